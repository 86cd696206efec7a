// Stores under /v1/stores: every signed-in till may list them (a till picks its store); owners open,
// rename and close them. Changes carry If-Match like the catalog's (428 without, 412 when stale).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { expectedVersion, IfMatchHeaders } from '../catalog/index.ts';
import { problemResponses, type ProblemCode } from '../errors.ts';
import { permissionProblems, requirePermission } from '../staff/require-permission.ts';
import { closeStore, createStore, getStore, listStores, updateStore, type StoreView } from './repository.ts';
import {
  NewStoreBody,
  StoreIdParams,
  StoreListQuery,
  StoreListSchema,
  StorePatchBody,
  StoreSchema,
} from './schemas.ts';

const TAG = ['stores'];
const SIGNED_IN = [{ bearerAuth: [] }];
/** A change to a store: owners only, with the version the client read (If-Match). */
const CHANGE: ProblemCode[] = [
  ...permissionProblems('store.manage'),
  'version_conflict',
  'precondition_required',
];

const manage = requirePermission('store.manage', {
  // The repository writes the precise entry in the change's transaction; denials are still logged.
  audit: false,
  target: (request: FastifyRequest) => {
    const id = (request.params as { id?: string } | undefined)?.id;
    return id ? { type: 'store', id } : undefined;
  },
});

const sendVersioned = (reply: FastifyReply, status: number, store: StoreView) =>
  reply.code(status).header('etag', `"${store.version}"`).send(store);

export async function storeRoutes(parent: FastifyInstance) {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/stores',
    {
      schema: {
        tags: TAG,
        summary: 'List the open stores (and the closed ones with includeClosed=true)',
        security: SIGNED_IN,
        querystring: StoreListQuery,
        response: { 200: StoreListSchema, ...problemResponses() },
      },
    },
    async (request) => ({ items: await listStores(request.ctx, request.query.includeClosed), next: null }),
  );

  app.post(
    '/stores',
    {
      schema: {
        tags: TAG,
        summary: 'Open a store (owners)',
        security: SIGNED_IN,
        body: NewStoreBody,
        response: {
          201: StoreSchema,
          ...problemResponses(...permissionProblems('store.manage'), 'store_code_taken'),
        },
      },
      preHandler: manage,
    },
    async (request, reply) => sendVersioned(reply, 201, await createStore(request.ctx, request.body)),
  );

  app.get(
    '/stores/:id',
    {
      schema: {
        tags: TAG,
        summary: 'A store, with its version as ETag',
        security: SIGNED_IN,
        params: StoreIdParams,
        response: { 200: StoreSchema, ...problemResponses('store_not_found') },
      },
    },
    async (request, reply) => sendVersioned(reply, 200, await getStore(request.ctx, request.params.id)),
  );

  app.patch(
    '/stores/:id',
    {
      schema: {
        tags: TAG,
        summary: 'Rename a store or change its time zone (owners; If-Match required)',
        security: SIGNED_IN,
        params: StoreIdParams,
        headers: IfMatchHeaders,
        body: StorePatchBody,
        response: { 200: StoreSchema, ...problemResponses(...CHANGE, 'store_not_found') },
      },
      preHandler: manage,
    },
    async (request, reply) => {
      const expected = expectedVersion(request.headers['if-match']);
      return sendVersioned(
        reply,
        200,
        await updateStore(request.ctx, request.params.id, expected, request.body),
      );
    },
  );

  app.post(
    '/stores/:id/close',
    {
      schema: {
        tags: TAG,
        summary: 'Close a store: it keeps its history and sells no more (owners; If-Match required)',
        security: SIGNED_IN,
        params: StoreIdParams,
        headers: IfMatchHeaders,
        response: { 200: StoreSchema, ...problemResponses(...CHANGE, 'store_not_found', 'last_open_store') },
      },
      preHandler: manage,
    },
    async (request, reply) => {
      const expected = expectedVersion(request.headers['if-match']);
      return sendVersioned(reply, 200, await closeStore(request.ctx, request.params.id, expected));
    },
  );
}
