/**
 * The demo data of the SalesIQ-style API: one portal (`zylker`, Zoho's example company) with
 * operators, departments, visitors and conversations with messages, so the API answers with
 * something on first run. Uses only the SalesIQ store, so tests call it too.
 */
import type { ConversationStatus, Portal, SalesIqStore } from '../store/salesiq-types.ts';
import type { User } from '../store/types.ts';

export const DEMO_SCREEN_NAME = 'zylker';

const HOUR = 3_600_000;

const OPERATORS = [
  {
    name: 'Patricia Boyle',
    nickName: 'Patricia',
    email: 'patricia.boyle@zylker.example',
    role: 'Administrator',
    status: 'online',
  },
  {
    name: 'Scott Fisher',
    nickName: 'Scott',
    email: 'scott.fisher@zylker.example',
    role: 'Associate',
    status: 'busy',
  },
  {
    name: 'Mei Tanaka',
    nickName: 'Mei',
    email: 'mei.tanaka@zylker.example',
    role: 'Associate',
    status: 'offline',
  },
] as const;

const VISITORS = [
  {
    name: 'Amelia Burrows',
    email: 'amelia@example.com',
    city: 'Austin',
    country: 'United States',
    browser: 'Firefox',
    os: 'Linux',
  },
  {
    name: 'Kwame Mensah',
    email: 'kwame@example.com',
    city: 'Accra',
    country: 'Ghana',
    browser: 'Chrome',
    os: 'Android',
  },
  {
    name: 'Lucía Fernández',
    email: 'lucia@example.com',
    city: 'Madrid',
    country: 'Spain',
    browser: 'Safari',
    os: 'macOS',
  },
  {
    name: 'Arjun Rao',
    email: 'arjun@example.com',
    city: 'Chennai',
    country: 'India',
    browser: 'Chrome',
    os: 'Windows',
  },
  {
    name: 'Sophie Martin',
    email: 'sophie@example.com',
    city: 'Lyon',
    country: 'France',
    browser: 'Edge',
    os: 'Windows',
  },
  {
    name: 'Visitor 4721',
    email: '',
    city: 'Sydney',
    country: 'Australia',
    browser: 'Chrome',
    os: 'iOS',
  },
] as const;

const QUESTIONS: readonly { question: string; reply: string; status: ConversationStatus }[] = [
  {
    question: 'Do you ship to Ghana?',
    reply: 'We do: 5-7 working days, tracked.',
    status: 'ended',
  },
  {
    question: 'How do I reset my password?',
    reply: 'Use "Forgot password" on the sign-in page; the link lasts an hour.',
    status: 'ended',
  },
  {
    question: 'Is there a discount for annual plans?',
    reply: 'Yes, two months free when you pay yearly.',
    status: 'ended',
  },
  {
    question: 'My order arrived damaged.',
    reply: 'Sorry about that! I have started a replacement.',
    status: 'ended',
  },
  {
    question: 'Can I change my delivery address?',
    reply: 'Until it ships, yes: send me the new address.',
    status: 'connected',
  },
  {
    question: 'Do you have an API?',
    reply: 'We do, with OAuth 2.0; see our developer docs.',
    status: 'connected',
  },
  { question: 'Hello? Anyone there?', reply: '', status: 'missed' },
  { question: 'What are your opening hours?', reply: '', status: 'waiting' },
  {
    question: 'Can I pay by bank transfer?',
    reply: 'Yes, for orders over 500 USD.',
    status: 'ended',
  },
  {
    question: 'Where is my invoice?',
    reply: 'Under Account > Billing; I have also emailed it to you.',
    status: 'ended',
  },
  { question: 'Do you offer gift cards?', reply: '', status: 'missed' },
  {
    question: 'Is the blue model back in stock?',
    reply: 'It is back next Tuesday.',
    status: 'ended',
  },
];

/**
 * Creates the demo portal for a user unless they already have it. Returns the portal, or
 * undefined when the screen name belongs to someone else.
 */
export async function ensureDemoPortal(
  store: SalesIqStore,
  user: Pick<User, 'zuid' | 'displayName' | 'firstName' | 'email'>,
  now: number,
): Promise<Portal | undefined> {
  const existing = await store.findPortalForMember(DEMO_SCREEN_NAME, user.zuid);
  if (existing) return existing;
  const start = now - 72 * HOUR;
  const portal = await store.createPortal(
    { screenName: DEMO_SCREEN_NAME, name: 'Zylker' },
    {
      zuid: user.zuid,
      name: user.displayName,
      nickName: user.firstName,
      email: user.email,
      role: 'Super Admin',
      status: 'online',
      createdAt: start,
    },
    now,
  );
  if (!portal) return undefined;
  const operators = [];
  for (const o of OPERATORS)
    operators.push(await store.addOperator(portal.id, { ...o, zuid: null, createdAt: start }));
  const [patricia, scott, mei] = operators;
  const sales = await store.addDepartment(portal.id, {
    name: 'Sales',
    description: 'Pricing, plans and orders',
    isPublic: true,
    operatorIds: [patricia?.id ?? 0, scott?.id ?? 0],
    createdAt: start,
  });
  const support = await store.addDepartment(portal.id, {
    name: 'Support',
    description: 'Help with your account and deliveries',
    isPublic: true,
    operatorIds: [scott?.id ?? 0, mei?.id ?? 0],
    createdAt: start,
  });
  const visitors = [];
  for (const [i, v] of VISITORS.entries()) {
    visitors.push(
      await store.addVisitor(portal.id, {
        ...v,
        phone: i % 2 === 0 ? `+1 555 01${String(i).padStart(2, '0')}` : '',
        ip: `198.51.100.${10 + i}`,
        firstVisitAt: start + i * HOUR,
        lastVisitAt: now - i * 5 * HOUR,
        visits: 1 + ((i * 3) % 7),
      }),
    );
  }
  for (const [i, q] of QUESTIONS.entries()) {
    const visitor = visitors[i % visitors.length];
    if (!visitor) continue;
    const operator =
      q.status === 'waiting' || q.status === 'missed' ? undefined : operators[i % operators.length];
    const startTime = start + i * 5 * HOUR;
    const conversation = await store.addConversation(portal.id, {
      question: q.question,
      status: q.status,
      visitorId: visitor.id,
      departmentId: i % 2 === 0 ? sales.id : support.id,
      operatorId: operator?.id ?? null,
      startTime,
      endTime: q.status === 'ended' || q.status === 'missed' ? startTime + 15 * 60_000 : null,
    });
    await store.addMessage(conversation.id, {
      senderType: 'visitor',
      senderId: visitor.id,
      senderName: visitor.name,
      text: q.question,
      time: startTime,
    });
    if (operator && q.reply) {
      await store.addMessage(conversation.id, {
        senderType: 'operator',
        senderId: operator.id,
        senderName: operator.name,
        text: q.reply,
        time: startTime + 60_000,
      });
      await store.addMessage(conversation.id, {
        senderType: 'visitor',
        senderId: visitor.id,
        senderName: visitor.name,
        text: 'Thanks!',
        time: startTime + 120_000,
      });
    }
  }
  return portal;
}
