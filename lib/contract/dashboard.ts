/** The web dashboard, served by the api function (public: the page signs in with a key it sends to the API). */
import * as z from '../core/zod.ts';
import { route } from './define.ts';

export const dashboardPage = route({
  method: 'GET',
  path: '/dashboard',
  tag: 'dashboard',
  summary: 'Web dashboard',
  auth: 'none',
  responses: { 200: { description: 'The page shell', contentType: 'text/html' } },
  errors: ['service_unavailable'],
});

export const dashboardAsset = route({
  method: 'GET',
  path: '/dashboard/assets/{file}',
  tag: 'dashboard',
  summary: 'Web dashboard assets',
  auth: 'none',
  params: z.object({ file: z.string() }),
  responses: { 200: { description: 'A script or stylesheet (hashed name, cached forever)', contentType: 'text/javascript' } },
  errors: ['not_found', 'service_unavailable'],
});
