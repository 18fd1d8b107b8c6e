#!/usr/bin/env node
// `npx billhook`: registers the TypeScript loader from this package's own
// dependencies (so it works from any folder), then runs bin/cli.ts.
import { register } from 'tsx/esm/api';

register();
await import('./cli.ts');
