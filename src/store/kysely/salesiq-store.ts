/**
 * The SalesIQ-style API's data on Kysely (SQLite and PostgreSQL), beside the authorization
 * server's Store in the same database but not part of it: only the demo API uses it.
 */
import type { Kysely, Selectable } from 'kysely';
import type {
  Conversation,
  ConversationFilter,
  ConversationStatus,
  Department,
  Message,
  NewConversation,
  NewDepartment,
  NewMessage,
  NewOperator,
  NewPortal,
  NewVisitor,
  Operator,
  OperatorRole,
  PageRequest,
  Portal,
  SalesIqStore,
  Visitor,
} from '../salesiq-types.ts';
import type { SqlDialect } from '../types.ts';
import type {
  Database,
  SalesIqConversationsTable,
  SalesIqDepartmentsTable,
  SalesIqMessagesTable,
  SalesIqOperatorsTable,
  SalesIqPortalsTable,
  SalesIqVisitorsTable,
} from './schema.ts';
import { lockKey } from './locks.ts';

const num = (v: number | string): number => Number(v);
const numOrNull = (v: number | string | null): number | null => (v === null ? null : Number(v));

const toPortal = (r: Selectable<SalesIqPortalsTable>): Portal => ({
  id: num(r.id),
  screenName: r.screen_name,
  name: r.name,
  createdAt: num(r.created_at),
});

const toOperator = (r: Selectable<SalesIqOperatorsTable>): Operator => ({
  id: num(r.id),
  portalId: num(r.portal_id),
  zuid: numOrNull(r.zuid),
  name: r.name,
  nickName: r.nick_name,
  email: r.email,
  role: r.role as OperatorRole,
  status: r.status,
  createdAt: num(r.created_at),
});

const toDepartment = (r: Selectable<SalesIqDepartmentsTable>): Department => ({
  id: num(r.id),
  portalId: num(r.portal_id),
  name: r.name,
  description: r.description,
  isPublic: r.is_public === 1,
  operatorIds: JSON.parse(r.operator_ids) as number[],
  createdAt: num(r.created_at),
});

const toVisitor = (r: Selectable<SalesIqVisitorsTable>): Visitor => ({
  id: num(r.id),
  portalId: num(r.portal_id),
  name: r.name,
  email: r.email,
  phone: r.phone,
  city: r.city,
  country: r.country,
  browser: r.browser,
  os: r.os,
  ip: r.ip,
  firstVisitAt: num(r.first_visit_at),
  lastVisitAt: num(r.last_visit_at),
  visits: num(r.visits),
});

const toConversation = (r: Selectable<SalesIqConversationsTable>): Conversation => ({
  id: num(r.id),
  portalId: num(r.portal_id),
  referenceId: num(r.reference_id),
  question: r.question,
  status: r.status as ConversationStatus,
  visitorId: num(r.visitor_id),
  departmentId: numOrNull(r.department_id),
  operatorId: numOrNull(r.operator_id),
  startTime: num(r.start_time),
  endTime: numOrNull(r.end_time),
});

const toMessage = (r: Selectable<SalesIqMessagesTable>): Message => ({
  id: num(r.id),
  conversationId: num(r.conversation_id),
  senderType: r.sender_type as Message['senderType'],
  senderId: numOrNull(r.sender_id),
  senderName: r.sender_name,
  text: r.text,
  time: num(r.time),
});

const operatorRow = (portalId: number, o: NewOperator): Omit<SalesIqOperatorsTable, 'id'> => ({
  portal_id: portalId,
  zuid: o.zuid,
  name: o.name,
  nick_name: o.nickName,
  email: o.email,
  role: o.role,
  status: o.status,
  created_at: o.createdAt,
});

const offset = (page: PageRequest): number => (page.index - 1) * page.limit;

/** Builds the SalesIQ store over the database of a Store (the tables of migration 003). */
export function createKyselySalesIqStore(
  db: Kysely<Database>,
  sqlDialect: SqlDialect,
): SalesIqStore {
  return {
    async listPortals(zuid: number): Promise<Portal[]> {
      const rows = await db
        .selectFrom('salesiq_portals as p')
        .selectAll('p')
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom('salesiq_operators as o')
              .select('o.id')
              .whereRef('o.portal_id', '=', 'p.id')
              .where('o.zuid', '=', zuid),
          ),
        )
        .orderBy('p.id')
        .execute();
      return rows.map(toPortal);
    },

    async createPortal(
      portal: NewPortal,
      creator: NewOperator,
      now: number,
    ): Promise<Portal | undefined> {
      return db.transaction().execute(async (trx) => {
        const row = await trx
          .insertInto('salesiq_portals')
          .values({
            screen_name: portal.screenName.toLowerCase(),
            name: portal.name,
            created_at: now,
          })
          .onConflict((oc) => oc.column('screen_name').doNothing())
          .returningAll()
          .executeTakeFirst();
        if (!row) return undefined;
        await trx
          .insertInto('salesiq_operators')
          .values(operatorRow(num(row.id), creator))
          .execute();
        return toPortal(row);
      });
    },

    async findPortalForMember(screenName: string, zuid: number): Promise<Portal | undefined> {
      const row = await db
        .selectFrom('salesiq_portals as p')
        .innerJoin('salesiq_operators as o', 'o.portal_id', 'p.id')
        .selectAll('p')
        .where('p.screen_name', '=', screenName.toLowerCase())
        .where('o.zuid', '=', zuid)
        .executeTakeFirst();
      return row && toPortal(row);
    },

    async addOperator(portalId: number, operator: NewOperator): Promise<Operator> {
      const row = await db
        .insertInto('salesiq_operators')
        .values(operatorRow(portalId, operator))
        .returningAll()
        .executeTakeFirstOrThrow();
      return toOperator(row);
    },

    async listOperators(portalId: number): Promise<Operator[]> {
      const rows = await db
        .selectFrom('salesiq_operators')
        .selectAll()
        .where('portal_id', '=', portalId)
        .orderBy('id')
        .execute();
      return rows.map(toOperator);
    },

    async addDepartment(portalId: number, d: NewDepartment): Promise<Department> {
      const row = await db
        .insertInto('salesiq_departments')
        .values({
          portal_id: portalId,
          name: d.name,
          description: d.description,
          is_public: d.isPublic ? 1 : 0,
          operator_ids: JSON.stringify(d.operatorIds),
          created_at: d.createdAt,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toDepartment(row);
    },

    async listDepartments(portalId: number): Promise<Department[]> {
      const rows = await db
        .selectFrom('salesiq_departments')
        .selectAll()
        .where('portal_id', '=', portalId)
        .orderBy('id')
        .execute();
      return rows.map(toDepartment);
    },

    async addVisitor(portalId: number, v: NewVisitor): Promise<Visitor> {
      const row = await db
        .insertInto('salesiq_visitors')
        .values({
          portal_id: portalId,
          name: v.name,
          email: v.email,
          phone: v.phone,
          city: v.city,
          country: v.country,
          browser: v.browser,
          os: v.os,
          ip: v.ip,
          first_visit_at: v.firstVisitAt,
          last_visit_at: v.lastVisitAt,
          visits: v.visits,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toVisitor(row);
    },

    async listVisitors(portalId: number, page: PageRequest): Promise<Visitor[]> {
      const rows = await db
        .selectFrom('salesiq_visitors')
        .selectAll()
        .where('portal_id', '=', portalId)
        .orderBy('last_visit_at', 'desc')
        .orderBy('id', 'desc')
        .limit(page.limit)
        .offset(offset(page))
        .execute();
      return rows.map(toVisitor);
    },

    async findVisitors(portalId: number, visitorIds: readonly number[]): Promise<Visitor[]> {
      if (visitorIds.length === 0) return [];
      const rows = await db
        .selectFrom('salesiq_visitors')
        .selectAll()
        .where('portal_id', '=', portalId)
        .where('id', 'in', [...visitorIds])
        .execute();
      return rows.map(toVisitor);
    },

    async addConversation(portalId: number, c: NewConversation): Promise<Conversation> {
      return db.transaction().execute(async (trx) => {
        await lockKey(trx, sqlDialect, `salesiq-ref:${portalId}`);
        const last = await trx
          .selectFrom('salesiq_conversations')
          .select((eb) => eb.fn.max('reference_id').as('max'))
          .where('portal_id', '=', portalId)
          .executeTakeFirst();
        const row = await trx
          .insertInto('salesiq_conversations')
          .values({
            portal_id: portalId,
            reference_id: Number(last?.max ?? 0) + 1,
            question: c.question,
            status: c.status,
            visitor_id: c.visitorId,
            department_id: c.departmentId,
            operator_id: c.operatorId,
            start_time: c.startTime,
            end_time: c.endTime,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return toConversation(row);
      });
    },

    async listConversations(portalId: number, filter: ConversationFilter): Promise<Conversation[]> {
      let query = db
        .selectFrom('salesiq_conversations')
        .selectAll()
        .where('portal_id', '=', portalId);
      if (filter.status !== undefined) query = query.where('status', '=', filter.status);
      if (filter.fromTime !== undefined) query = query.where('start_time', '>=', filter.fromTime);
      if (filter.toTime !== undefined) query = query.where('start_time', '<=', filter.toTime);
      const rows = await query
        .orderBy('start_time', 'desc')
        .orderBy('id', 'desc')
        .limit(filter.limit)
        .offset(offset(filter))
        .execute();
      return rows.map(toConversation);
    },

    async findConversation(
      portalId: number,
      conversationId: number,
    ): Promise<Conversation | undefined> {
      const row = await db
        .selectFrom('salesiq_conversations')
        .selectAll()
        .where('portal_id', '=', portalId)
        .where('id', '=', conversationId)
        .executeTakeFirst();
      return row && toConversation(row);
    },

    async addMessage(conversationId: number, m: NewMessage): Promise<Message> {
      const row = await db
        .insertInto('salesiq_messages')
        .values({
          conversation_id: conversationId,
          sender_type: m.senderType,
          sender_id: m.senderId,
          sender_name: m.senderName,
          text: m.text,
          time: m.time,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toMessage(row);
    },

    async listMessages(conversationId: number): Promise<Message[]> {
      const rows = await db
        .selectFrom('salesiq_messages')
        .selectAll()
        .where('conversation_id', '=', conversationId)
        .orderBy('time')
        .orderBy('id')
        .execute();
      return rows.map(toMessage);
    },
  };
}
