import type { ProfileWaiver } from './fhir-profile-validator.js';

/**
 * The JP-CLINS requirements the portal's documents cannot meet, because the record does not hold the
 * national identifiers and codes they ask for. Everything else in the profiles is enforced. Listed in
 * docs/decisions/0025-documents-validated-against-jp-clins.md; a test fails if a document needs a
 * waiver that is not here.
 */
export const clinsWaivers: readonly ProfileWaiver[] = [
  {
    requirement: 'JP_Patient_eCS#valid-system-insurance-patientIdentifier',
    reason: '被保険者番号: the record keeps no health-insurance member number',
  },
  {
    requirement: 'JP_Patient_eCS#valid-value-insurance-patientIdentifier',
    reason: '被保険者番号: the record keeps no health-insurance member number',
  },
  {
    requirement: 'JP_Organization_eCS#Organization.identifier',
    reason: '医療機関コード: organisations are known by name only (nursing stations have no such code)',
  },
  {
    requirement: 'JP_Organization_eCS#Organization.identifier:medicalInstitutionCode',
    reason: '医療機関コード: organisations are known by name only (nursing stations have no such code)',
  },
  {
    requirement: 'JP_Condition_eCS#Condition.code.coding',
    reason: 'a diagnosis may be recorded in words only, without ICD-10',
  },
  {
    requirement: 'JP_Condition_eCS#Condition.code.coding:medisRecordNo',
    reason: 'MEDIS 標準病名マスター: diagnoses carry ICD-10 at most, never the MEDIS key number',
  },
  {
    requirement: 'JP_AllergyIntolerance_eCS#AllergyIntolerance.code.coding',
    reason: 'allergens are recorded in words, not with the JP allergen codes',
  },
];
