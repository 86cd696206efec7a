// Settings under /v1/settings: every signed-in till and portal user reads the effective settings (a
// till keeps the offline limits for when the network is gone); owners replace one group at a time,
// audited with what it was before.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { problemResponses } from '../errors.ts';
import { permissionProblems, requirePermission } from '../staff/require-permission.ts';
import { getReceiptProfile, getSettings, putSettingGroup } from './repository.ts';
import { SETTING_GROUPS, SettingsSchema, SettingsWithProfileSchema, type SettingGroup } from './schemas.ts';

const TAG = ['settings'];
const SIGNED_IN = [{ bearerAuth: [] }];

const manage = (group: SettingGroup) =>
  requirePermission('settings.manage', { audit: false, target: () => ({ type: 'setting', id: group }) });

export async function settingsRoutes(parent: FastifyInstance) {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/settings',
    {
      schema: {
        tags: TAG,
        summary:
          'The tenant’s effective settings (defaults where never changed), and its receipt profile (read-only)',
        security: SIGNED_IN,
        response: { 200: SettingsWithProfileSchema, ...problemResponses() },
      },
    },
    async (request) => ({
      ...(await getSettings(request.ctx)),
      profile: await getReceiptProfile(request.ctx),
    }),
  );

  // One route per group, each with its own body schema (so a wrong field is named precisely).
  for (const group of Object.keys(SETTING_GROUPS) as SettingGroup[]) {
    app.put(
      `/settings/${group}`,
      {
        schema: {
          tags: TAG,
          summary: `Replace the ${group} settings (owners; audited)`,
          security: SIGNED_IN,
          body: SETTING_GROUPS[group],
          response: { 200: SettingsSchema, ...problemResponses(...permissionProblems('settings.manage')) },
        },
        preHandler: manage(group),
      },
      async (request) => putSettingGroup(request.ctx, group, request.body),
    );
  }
}
