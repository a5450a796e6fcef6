import type { Request } from 'express';

/** A route parameter as a string ('' when absent): Express 5 types them loosely. */
export function param(req: Request, name: string): string {
  const value: unknown = req.params[name];
  return typeof value === 'string' ? value : '';
}
