/**
 * zod, the tree-shakable way: `zod/mini` keeps only the validators a bundle
 * uses (tens of KB in a Lambda instead of about 440 KB for classic zod), with
 * the English messages the API has always returned. Import it as
 * `import * as z from '…/core/zod.ts'`, never from 'zod': a namespace import
 * of named re-exports is what lets the bundler drop the rest (re-exporting a
 * namespace object would keep all of it, every locale included).
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import type * as core from 'zod/v4/core';

config(en());

export * from 'zod/mini';

/** Any schema (mini or classic), for code that takes a schema as a parameter. */
export type Schema<T = unknown> = core.$ZodType<T>;

/** A zod error's issues, as fieldErrors needs them (classic and mini errors alike). */
export interface SchemaIssues {
  issues: readonly { path: readonly PropertyKey[]; message: string }[];
}
