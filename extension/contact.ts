/** What a CRM adapter reads from a contact page. Raw values: normalisation happens once, in the content script. */
export interface PagePhone {
  kind: 'mobile' | 'phone';
  /** As shown in the CRM, e.g. "(11) 98765-4321". */
  raw: string;
}

export interface PageContact {
  crm: 'pinpoint';
  /** The CRM's contact id (string of digits). */
  id: string;
  name: string | null;
  email: string | null;
  /** Mobile first when present. */
  phones: PagePhone[];
  /** As shown (English name such as "Brazil") or null. */
  country: string | null;
  /** The opt-in custom field found under the configured label, if the page shows it. */
  optInField: { label: string; value: string } | null;
  /** Every custom field shown on the page: label → value (for template variable mappings). */
  fields: Record<string, string>;
}
