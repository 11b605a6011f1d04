/** The SalesIQ-style API's tables (SPEC R8): portals and what lives in them. */
import type { Kysely, Migration } from 'kysely';
import type { SqlDialect } from '../types.ts';

export function salesiqMigration(dialect: SqlDialect): Migration {
  const serialId = dialect === 'postgres' ? 'bigserial' : 'integer';
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations run against the schema before it exists
    async up(db: Kysely<any>): Promise<void> {
      const table = (name: string) =>
        db.schema
          .createTable(name)
          .addColumn('id', serialId, (c) =>
            dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey(),
          );
      const portalRef = 'salesiq_portals.id';

      await table('salesiq_portals')
        .addColumn('screen_name', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await table('salesiq_operators')
        .addColumn('portal_id', 'bigint', (c) =>
          c.notNull().references(portalRef).onDelete('cascade'),
        )
        .addColumn('zuid', 'bigint', (c) => c.references('users.zuid').onDelete('set null'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('nick_name', 'text', (c) => c.notNull())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      // Membership is "is this user an operator of this portal": one index lookup.
      await db.schema
        .createIndex('salesiq_operators_member')
        .on('salesiq_operators')
        .columns(['zuid', 'portal_id'])
        .execute();
      await db.schema
        .createIndex('salesiq_operators_portal')
        .on('salesiq_operators')
        .columns(['portal_id', 'id'])
        .execute();

      await table('salesiq_departments')
        .addColumn('portal_id', 'bigint', (c) =>
          c.notNull().references(portalRef).onDelete('cascade'),
        )
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('is_public', 'integer', (c) => c.notNull())
        .addColumn('operator_ids', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('salesiq_departments_portal')
        .on('salesiq_departments')
        .columns(['portal_id', 'id'])
        .execute();

      await table('salesiq_visitors')
        .addColumn('portal_id', 'bigint', (c) =>
          c.notNull().references(portalRef).onDelete('cascade'),
        )
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('phone', 'text', (c) => c.notNull())
        .addColumn('city', 'text', (c) => c.notNull())
        .addColumn('country', 'text', (c) => c.notNull())
        .addColumn('browser', 'text', (c) => c.notNull())
        .addColumn('os', 'text', (c) => c.notNull())
        .addColumn('ip', 'text', (c) => c.notNull())
        .addColumn('first_visit_at', 'bigint', (c) => c.notNull())
        .addColumn('last_visit_at', 'bigint', (c) => c.notNull())
        .addColumn('visits', 'integer', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('salesiq_visitors_recent')
        .on('salesiq_visitors')
        .columns(['portal_id', 'last_visit_at'])
        .execute();

      await table('salesiq_conversations')
        .addColumn('portal_id', 'bigint', (c) =>
          c.notNull().references(portalRef).onDelete('cascade'),
        )
        .addColumn('reference_id', 'integer', (c) => c.notNull())
        .addColumn('question', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('visitor_id', 'bigint', (c) => c.notNull())
        .addColumn('department_id', 'bigint')
        .addColumn('operator_id', 'bigint')
        .addColumn('start_time', 'bigint', (c) => c.notNull())
        .addColumn('end_time', 'bigint')
        .addUniqueConstraint('salesiq_conversations_reference', ['portal_id', 'reference_id'])
        .execute();
      await db.schema
        .createIndex('salesiq_conversations_time')
        .on('salesiq_conversations')
        .columns(['portal_id', 'start_time'])
        .execute();
      await db.schema
        .createIndex('salesiq_conversations_status')
        .on('salesiq_conversations')
        .columns(['portal_id', 'status', 'start_time'])
        .execute();

      await table('salesiq_messages')
        .addColumn('conversation_id', 'bigint', (c) =>
          c.notNull().references('salesiq_conversations.id').onDelete('cascade'),
        )
        .addColumn('sender_type', 'text', (c) => c.notNull())
        .addColumn('sender_id', 'bigint')
        .addColumn('sender_name', 'text', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('time', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('salesiq_messages_conversation')
        .on('salesiq_messages')
        .columns(['conversation_id', 'time', 'id'])
        .execute();
    },
  };
}
