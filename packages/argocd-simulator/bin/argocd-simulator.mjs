#!/usr/bin/env node
// `argocd-simulator [flags]` (see src/main.ts): runs the TypeScript sources through tsx's loader.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
