/**
 * The small part of FHIR R4 the portal writes (hand-off documents, transfer exports), typed here because no
 * FHIR type package is a dependency of the portal. Field names and cardinalities follow the R4 specification.
 */

export interface Coding {
  system?: string;
  code?: string;
  display?: string;
}

export interface CodeableConcept {
  coding?: Coding[];
  text?: string;
}

export interface Reference {
  reference?: string;
  type?: string;
  identifier?: { system: string; value: string };
  display?: string;
}

export interface Extension {
  url: string;
  valueCode?: string;
  valueString?: string;
}

export interface Meta {
  profile?: string[];
  /** HL7 security labels (DATA-1's flags, disclosure.ts). */
  security?: { system: string; code: string; display?: string }[];
  lastUpdated?: string;
}

export interface Narrative {
  status: 'generated' | 'extensions' | 'additional' | 'empty';
  div: string;
}

export interface Identifier {
  system?: string;
  value?: string;
}

export interface HumanName {
  extension?: Extension[];
  use?: 'usual' | 'official' | 'temp' | 'nickname' | 'anonymous' | 'old' | 'maiden';
  text?: string;
  family?: string;
  given?: string[];
}

export interface ContactPoint {
  system?: 'phone' | 'fax' | 'email' | 'pager' | 'url' | 'sms' | 'other';
  value?: string;
  use?: 'home' | 'work' | 'temp' | 'old' | 'mobile';
}

export interface Address {
  use?: 'home' | 'work' | 'temp' | 'old' | 'billing';
  text?: string;
  line?: string[];
  city?: string;
  state?: string;
  postalCode?: string;
  country?: string;
}

export interface Quantity {
  value?: number;
  unit?: string;
  system?: string;
  code?: string;
}

export interface Annotation {
  text: string;
}

interface ResourceBase {
  id?: string;
  meta?: Meta;
  text?: Narrative;
  extension?: Extension[];
}

export interface Patient extends ResourceBase {
  resourceType: 'Patient';
  identifier?: Identifier[];
  name?: HumanName[];
  telecom?: ContactPoint[];
  gender?: 'male' | 'female' | 'other' | 'unknown';
  birthDate?: string;
  address?: Address[];
  contact?: { relationship?: CodeableConcept[]; name?: HumanName; telecom?: ContactPoint[] }[];
}

export interface Practitioner extends ResourceBase {
  resourceType: 'Practitioner';
  identifier?: Identifier[];
  name?: HumanName[];
  qualification?: { code: CodeableConcept }[];
}

export interface Organization extends ResourceBase {
  resourceType: 'Organization';
  name?: string;
}

export interface Condition extends ResourceBase {
  resourceType: 'Condition';
  identifier?: Identifier[];
  clinicalStatus?: CodeableConcept;
  verificationStatus?: CodeableConcept;
  category?: CodeableConcept[];
  code?: CodeableConcept;
  subject: Reference;
  onsetDateTime?: string;
  recordedDate?: string;
  note?: Annotation[];
}

export interface AllergyIntolerance extends ResourceBase {
  resourceType: 'AllergyIntolerance';
  identifier?: Identifier[];
  clinicalStatus?: CodeableConcept;
  verificationStatus?: CodeableConcept;
  type?: 'allergy' | 'intolerance';
  category?: ('food' | 'medication' | 'environment' | 'biologic')[];
  criticality?: 'low' | 'high' | 'unable-to-assess';
  code?: CodeableConcept;
  patient: Reference;
  reaction?: { manifestation: CodeableConcept[] }[];
  note?: Annotation[];
}

export interface MedicationStatement extends ResourceBase {
  resourceType: 'MedicationStatement';
  status:
    | 'active'
    | 'completed'
    | 'entered-in-error'
    | 'intended'
    | 'stopped'
    | 'on-hold'
    | 'unknown'
    | 'not-taken';
  medicationCodeableConcept: CodeableConcept;
  subject: Reference;
  effectivePeriod?: { start?: string; end?: string };
  dateAsserted?: string;
  reasonCode?: CodeableConcept[];
  dosage?: { text?: string; route?: CodeableConcept }[];
  note?: Annotation[];
}

export interface Observation extends ResourceBase {
  resourceType: 'Observation';
  status: 'registered' | 'preliminary' | 'final' | 'amended';
  category?: CodeableConcept[];
  code: CodeableConcept;
  subject?: Reference;
  effectiveDateTime?: string;
  valueQuantity?: Quantity;
  component?: { code: CodeableConcept; valueQuantity?: Quantity }[];
  note?: Annotation[];
}

export interface Period {
  start?: string;
  end?: string;
}

export interface Encounter extends ResourceBase {
  resourceType: 'Encounter';
  status: 'planned' | 'arrived' | 'in-progress' | 'finished' | 'cancelled';
  class: Coding;
  subject?: Reference;
  period?: Period;
  serviceProvider?: Reference;
}

export interface DocumentReference extends ResourceBase {
  resourceType: 'DocumentReference';
  status: 'current' | 'superseded' | 'entered-in-error';
  type?: CodeableConcept;
  subject?: Reference;
  date?: string;
  author?: Reference[];
  description?: string;
  content: { attachment: { contentType?: string; language?: string; data?: string; title?: string } }[];
}

export interface CompositionSection {
  title?: string;
  code?: CodeableConcept;
  text?: Narrative;
  entry?: Reference[];
  section?: CompositionSection[];
}

export interface Composition extends ResourceBase {
  resourceType: 'Composition';
  identifier?: Identifier;
  status: 'preliminary' | 'final' | 'amended' | 'entered-in-error';
  type: CodeableConcept;
  category?: CodeableConcept[];
  subject?: Reference;
  date: string;
  encounter?: Reference;
  author: Reference[];
  title: string;
  custodian?: Reference;
  event?: { code?: CodeableConcept[]; period?: Period }[];
  section?: CompositionSection[];
}

export type DocumentResource =
  | Composition
  | Patient
  | Practitioner
  | Organization
  | Condition
  | AllergyIntolerance
  | MedicationStatement
  | Observation
  | Encounter
  | DocumentReference;

export interface Bundle {
  resourceType: 'Bundle';
  id?: string;
  meta?: Meta;
  identifier?: Identifier;
  type: 'document';
  timestamp: string;
  entry: { fullUrl: string; resource: DocumentResource }[];
}
