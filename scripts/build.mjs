// Bundles the CLI with esbuild: one file loads faster than hundreds of modules (spawn→initialize matters).
// The generator (codegen/) is split into its own chunk, loaded only by `generate`; its heavy dependencies stay external.
import { build } from 'esbuild';
import { chmod, rm } from 'node:fs/promises';
import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';

// The bundled SDK's protocol versions, newest first, for the early answer to `initialize` (src/cli.ts).
const versions = [LATEST_PROTOCOL_VERSION, ...SUPPORTED_PROTOCOL_VERSIONS.filter((v) => v !== LATEST_PROTOCOL_VERSION)];

// `--clean` starts from an empty dist/ (packaging). Without it, files are overwritten in place, so a gateway that is
// running from dist/ (a test, the demo) never finds a lazily loaded chunk missing while another build runs.
if (process.argv.includes('--clean')) await rm('dist', { recursive: true, force: true });
await build({
  entryPoints: { cli: 'src/cli.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: false,
  legalComments: 'none',
  external: ['openapi-typescript', 'swagger2openapi', 'handlebars', 'undici'],
  // Bundled CommonJS dependencies call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: 'warning',
  define: { __MCP_PROTOCOL_VERSIONS__: JSON.stringify(versions) },
});
await chmod('dist/cli.js', 0o755);
