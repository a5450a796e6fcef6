import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PORTAL_MIGRATIONS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'migrations');
