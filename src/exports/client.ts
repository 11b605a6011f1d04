/**
 * `tollgate/client`: the client SDK, `@tollgate/client`, re-exported so code written against the
 * server package keeps working.
 * @packageDocumentation
 */
export * from '@tollgate/client';
