export * from './contracts/signed-request.js';
export * from './contracts/agent-api.js';
export * from './contracts/portal-handoff.js';
export * from './db/migrate.js';
export * from './db/with-transaction.js';
export * from './audit/audit-trail.js';
export * from './audit/audit-archive.js';
export * from './audit/audit-archive-config.js';
export { canonicalJson } from './audit/canonical-json.js';
