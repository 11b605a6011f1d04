/**
 * The data behind the SalesIQ-style API (SPEC R8): portals, their operators, departments,
 * visitors, conversations and messages. A portal's members are its operators linked to a
 * Tollgate user (`zuid`); only members see a portal. Ids are database ids; times Unix ms.
 */

export interface Portal {
  id: number;
  screenName: string;
  name: string;
  createdAt: number;
}

export interface NewPortal {
  screenName: string;
  name: string;
}

export type OperatorRole = 'Super Admin' | 'Administrator' | 'Associate';

export interface Operator {
  id: number;
  portalId: number;
  /** The Tollgate user this operator is, which makes them a portal member; null for others. */
  zuid: number | null;
  name: string;
  nickName: string;
  email: string;
  role: OperatorRole;
  /** `online`, `busy`, `away` or `offline`. */
  status: string;
  createdAt: number;
}

export type NewOperator = Omit<Operator, 'id' | 'portalId'>;

export interface Department {
  id: number;
  portalId: number;
  name: string;
  description: string;
  isPublic: boolean;
  operatorIds: number[];
  createdAt: number;
}

export type NewDepartment = Omit<Department, 'id' | 'portalId'>;

export interface Visitor {
  id: number;
  portalId: number;
  name: string;
  email: string;
  phone: string;
  city: string;
  country: string;
  browser: string;
  os: string;
  ip: string;
  firstVisitAt: number;
  lastVisitAt: number;
  visits: number;
}

export type NewVisitor = Omit<Visitor, 'id' | 'portalId'>;

export const CONVERSATION_STATUSES = ['waiting', 'connected', 'missed', 'ended'] as const;
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];

export interface Conversation {
  id: number;
  portalId: number;
  /** The portal's running number of the chat, as SalesIQ shows it (#1, #2, ...). */
  referenceId: number;
  question: string;
  status: ConversationStatus;
  visitorId: number;
  departmentId: number | null;
  operatorId: number | null;
  startTime: number;
  endTime: number | null;
}

export type NewConversation = Omit<Conversation, 'id' | 'portalId' | 'referenceId'>;

export interface Message {
  id: number;
  conversationId: number;
  senderType: 'visitor' | 'operator' | 'bot';
  senderId: number | null;
  senderName: string;
  text: string;
  time: number;
}

export type NewMessage = Omit<Message, 'id' | 'conversationId'>;

/** A page of a list: `index` starts at 1, `limit` rows per page. */
export interface PageRequest {
  index: number;
  limit: number;
}

export interface ConversationFilter extends PageRequest {
  status?: ConversationStatus;
  /** Conversations started at or after this time. */
  fromTime?: number;
  /** Conversations started at or before this time. */
  toTime?: number;
}

export interface SalesIqStore {
  /** Portals where the user is an operator, oldest first. */
  listPortals(zuid: number): Promise<Portal[]>;
  /**
   * Creates a portal with its creator as its Super Admin operator, in one transaction.
   * @returns undefined when the screen name is taken (screen names are unique, any case).
   */
  createPortal(portal: NewPortal, creator: NewOperator, now: number): Promise<Portal | undefined>;
  /** The portal with this screen name (any case) if the user is one of its operators. */
  findPortalForMember(screenName: string, zuid: number): Promise<Portal | undefined>;
  addOperator(portalId: number, operator: NewOperator): Promise<Operator>;
  listOperators(portalId: number): Promise<Operator[]>;
  addDepartment(portalId: number, department: NewDepartment): Promise<Department>;
  listDepartments(portalId: number): Promise<Department[]>;
  addVisitor(portalId: number, visitor: NewVisitor): Promise<Visitor>;
  /** Visitors, most recent visit first. */
  listVisitors(portalId: number, page: PageRequest): Promise<Visitor[]>;
  /** Adds a conversation with the portal's next reference number. */
  addConversation(portalId: number, conversation: NewConversation): Promise<Conversation>;
  /** Conversations, newest first, filtered and paged. */
  listConversations(portalId: number, filter: ConversationFilter): Promise<Conversation[]>;
  findConversation(portalId: number, conversationId: number): Promise<Conversation | undefined>;
  findVisitors(portalId: number, visitorIds: readonly number[]): Promise<Visitor[]>;
  addMessage(conversationId: number, message: NewMessage): Promise<Message>;
  /** Messages of a conversation in time order. */
  listMessages(conversationId: number): Promise<Message[]>;
}
