#!/usr/bin/env node
// Loads the TypeScript CLI in-process through tsx, so `npx duban …` works in a
// checkout without a build step (and signals reach the server directly).
import { register } from 'tsx/esm/api';

register();
await import('../server/cli.ts');
