// Bundles the CLI with esbuild: one file loads faster than hundreds of modules (spawn→initialize matters).
// The generator (codegen/) is split into its own chunk, loaded only by `generate`; its heavy dependencies stay external.
import { build } from 'esbuild';
import { chmod, readFile, rm } from 'node:fs/promises';
import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';

// The bundled SDK's protocol versions, newest first, for the early answer to `initialize` (src/cli.ts).
const versions = [LATEST_PROTOCOL_VERSION, ...SUPPORTED_PROTOCOL_VERSIONS.filter((v) => v !== LATEST_PROTOCOL_VERSION)];

// openapi-fetch merges headers into the global `Headers` and checks bodies against the global `FormData`. On Node 20
// the first touch of either global loads all of undici, which compiles its HTTP parser from WebAssembly (~60 ms and
// ~10 MB of resident memory that stay), although the gateway's requests go out through node:http
// (src/argocd/http-client.ts). In the bundle, openapi-fetch gets a plain header list of its own and a `FormData`
// nothing is an instance of (the gateway sends JSON bodies only). Its behaviour is otherwise unchanged; the build
// stops if the code it expects is not there, so an update of openapi-fetch cannot silently skip this.
const OPENAPI_FETCH_PRELUDE = `
class Headers {
  #map = new Map();
  constructor(init) { if (init) for (const [k, v] of (typeof init.entries === 'function' ? init.entries() : Object.entries(init))) this.append(k, v); }
  append(k, v) { k = String(k).toLowerCase(); const had = this.#map.get(k); this.#map.set(k, had === undefined ? String(v) : had + ', ' + v); }
  set(k, v) { this.#map.set(String(k).toLowerCase(), String(v)); }
  get(k) { return this.#map.get(String(k).toLowerCase()) ?? null; }
  has(k) { return this.#map.has(String(k).toLowerCase()); }
  delete(k) { this.#map.delete(String(k).toLowerCase()); }
  entries() { return this.#map.entries(); }
  keys() { return this.#map.keys(); }
  values() { return this.#map.values(); }
  forEach(fn) { for (const [k, v] of this.#map) fn(v, k, this); }
  [Symbol.iterator]() { return this.#map.entries(); }
}
class FormData {}
`;
const openapiFetchWithoutUndici = {
  name: 'openapi-fetch-without-undici',
  setup(b) {
    b.onLoad({ filter: /[\\/]openapi-fetch[\\/]dist[\\/]index\.mjs$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      for (const expected of ['new Headers()', 'instanceof Headers', 'instanceof FormData']) {
        if (!source.includes(expected)) throw new Error(`openapi-fetch changed: "${expected}" not found in ${args.path}; review scripts/build.mjs`);
      }
      return { contents: `${OPENAPI_FETCH_PRELUDE}\n${source}`, loader: 'js' };
    });
  },
};

// `--clean` starts from an empty dist/ (packaging). Without it, files are overwritten in place, so a gateway that is
// running from dist/ (a test, the demo) never finds a lazily loaded chunk missing while another build runs.
if (process.argv.includes('--clean')) await rm('dist', { recursive: true, force: true });
await build({
  // The shaping threads' entry (src/shaping/pool.ts starts dist/shape-worker.js, beside its own chunk).
  entryPoints: { cli: 'src/cli.ts', 'shape-worker': 'src/shaping/worker.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: false,
  legalComments: 'none',
  external: ['openapi-typescript', 'swagger2openapi', 'handlebars'],
  // Bundled CommonJS dependencies call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: 'warning',
  define: { __MCP_PROTOCOL_VERSIONS__: JSON.stringify(versions) },
  plugins: [openapiFetchWithoutUndici],
});
await chmod('dist/cli.js', 0o755);
