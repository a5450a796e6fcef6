import type { Practitioner } from '@hcw/common';

/** The signed-in practitioner a read or write is done for, with where the request came from. */
export interface PatientActor extends Practitioner {
  clientAddress?: string;
}
