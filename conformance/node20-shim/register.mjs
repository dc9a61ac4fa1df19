// `node --import ./conformance/node20-shim/register.mjs …`: installs the resolve hook before the CLI loads.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
