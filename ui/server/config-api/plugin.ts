import type { FastifyInstance } from 'fastify';
import { adminsOnly, onlyRoles } from '../access.ts';
import { registerCrud, type CrudDeps } from './crud.ts';
import { businessHours } from './resources/business-hours.ts';
import { classificationGroups } from './resources/classifications.ts';
import { emailRoutes } from './resources/email-routes.ts';
import { feedbackTopics } from './resources/feedback-topics.ts';
import { queues } from './resources/queues.ts';
import { serviceRoles } from './resources/service-roles.ts';
import { skills } from './resources/skills.ts';
import { teams } from './resources/teams.ts';
import { users } from './resources/users.ts';
import { serviceRoleSwitchRoutes } from './service-role-switch.ts';

/** The configuration bounded context: admins manage, supervisors/QA/analysts read. */
export async function configApi(app: FastifyInstance, deps: CrudDeps): Promise<void> {
  registerCrud(app, deps, { ...users, read: onlyRoles('admin', 'supervisor'), write: adminsOnly });
  registerCrud(app, deps, teams);
  registerCrud(app, deps, skills);
  registerCrud(app, deps, queues);
  registerCrud(app, deps, serviceRoles);
  registerCrud(app, deps, classificationGroups);
  registerCrud(app, deps, businessHours);
  registerCrud(app, deps, emailRoutes);
  registerCrud(app, deps, feedbackTopics);
  await serviceRoleSwitchRoutes(app, deps);

  app.get<{ Querystring: { limit?: string; before?: string; action?: string } }>(
    '/api/audit',
    {
      config: { access: adminsOnly },
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            limit: { type: 'string', pattern: '^[1-9][0-9]{0,2}$' },
            before: { type: 'string', pattern: '^[0-9]{1,15}$' },
            action: { type: 'string', maxLength: 100 },
          },
        },
      },
    },
    async (request) => {
      const { limit, before, action } = request.query;
      const items = await deps.audit.list(request.auth!.orgId, {
        limit: Math.min(Number(limit ?? 100), 500),
        before: before === undefined ? undefined : Number(before),
        action,
      });
      return { items };
    },
  );
}
