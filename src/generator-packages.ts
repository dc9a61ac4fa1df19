/**
 * The packages only `generate` needs. They are not installed with the gateway (they weigh ~40 MB and serve no tool
 * call): the package declares them as optional peer dependencies, and `generate` says how to add them when absent.
 */
import { createRequire } from 'node:module';

/** Each package `generate` loads, with the range package.json's peerDependencies give. */
export const GENERATOR_PACKAGES: Readonly<Record<string, string>> = {
  'openapi-typescript': '^7.13.0',
  typescript: '^5.9.3',
  swagger2openapi: '^7.0.8',
  handlebars: '^4.7.10',
};

/** The generator packages that cannot be resolved from this installation. */
export function missingGeneratorPackages(resolve: (name: string) => string = createRequire(import.meta.url).resolve): string[] {
  return Object.keys(GENERATOR_PACKAGES).filter((name) => {
    try {
      resolve(name);
      return false;
    } catch {
      return true;
    }
  });
}

/** What to run to add them, beside the gateway (globally, or into the project it was installed in). */
export function describeMissingGeneratorPackages(missing: string[]): string {
  const specs = missing.map((name) => `${name}@${GENERATOR_PACKAGES[name]}`).join(' ');
  return [
    `generate needs ${missing.join(', ')}, which are not installed with the gateway (only generation uses them).`,
    `Install them beside it: \`npm install -g ${specs}\` for a global install, or \`npm install ${specs}\` in the project it`,
    'is installed in; or run generate from a clone after `npm ci`.',
  ].join('\n');
}
