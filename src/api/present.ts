/**
 * The JSON shapes of the SalesIQ-style API. Like SalesIQ's REST API v2, ids, times (Unix
 * milliseconds) and counts travel as strings; flags as booleans.
 */
import type {
  Conversation,
  Department,
  Message,
  Operator,
  Portal,
  Visitor,
} from '../store/salesiq-types.ts';

const str = (n: number): string => String(n);
const strOrNull = (n: number | null): string | null => (n === null ? null : String(n));

/** The success envelope of SPEC R8. */
export interface Envelope<T> {
  url: string;
  object: string;
  data: T;
}

/** Wraps data in the envelope (SPEC R8). */
export const envelope = <T>(url: string, object: string, data: T): Envelope<T> => ({
  url,
  object,
  data,
});

/** A portal as `GET /api/v2/portals` lists it. */
export const presentPortal = (p: Portal) => ({
  id: str(p.id),
  screenname: p.screenName,
  name: p.name,
  created_time: str(p.createdAt),
});

/** An operator as `GET /api/v2/{screen_name}/operators` lists it. */
export const presentOperator = (o: Operator) => ({
  id: str(o.id),
  name: o.name,
  nick_name: o.nickName,
  email_id: o.email,
  role: o.role,
  status: o.status,
  created_time: str(o.createdAt),
});

/** A department, with its operators' ids. */
export const presentDepartment = (d: Department) => ({
  id: str(d.id),
  name: d.name,
  description: d.description,
  is_public: d.isPublic,
  operators: d.operatorIds.map(str),
  created_time: str(d.createdAt),
});

/** A visitor of the portal's website. */
export const presentVisitor = (v: Visitor) => ({
  id: str(v.id),
  name: v.name,
  email: v.email,
  phone: v.phone,
  city: v.city,
  country: v.country,
  browser: v.browser,
  os: v.os,
  ip: v.ip,
  visits: str(v.visits),
  first_visit_time: str(v.firstVisitAt),
  last_visit_time: str(v.lastVisitAt),
});

/** What a conversation points at, looked up once per page. */
export interface ConversationContext {
  visitors: ReadonlyMap<number, Visitor>;
  operators: ReadonlyMap<number, Operator>;
  departments: ReadonlyMap<number, Department>;
}

/** A conversation with its visitor, attender and department named. */
export const presentConversation = (c: Conversation, ctx: ConversationContext) => {
  const visitor = ctx.visitors.get(c.visitorId);
  const operator = c.operatorId === null ? undefined : ctx.operators.get(c.operatorId);
  const department = c.departmentId === null ? undefined : ctx.departments.get(c.departmentId);
  return {
    id: str(c.id),
    reference_id: str(c.referenceId),
    question: c.question,
    status: c.status,
    start_time: str(c.startTime),
    end_time: strOrNull(c.endTime),
    visitor: visitor
      ? { id: str(visitor.id), name: visitor.name, email: visitor.email }
      : { id: str(c.visitorId) },
    attender: operator
      ? { id: str(operator.id), name: operator.name, email_id: operator.email }
      : null,
    department: department ? { id: str(department.id), name: department.name } : null,
  };
};

/** One message of a conversation. */
export const presentMessage = (m: Message) => ({
  id: str(m.id),
  message: { text: m.text },
  sender: { type: m.senderType, id: strOrNull(m.senderId), name: m.senderName },
  time: str(m.time),
});
