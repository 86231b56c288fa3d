/**
 * Template variables prefilled from the contact's CRM fields, as mapped in the options
 * (contentSid → variable key → field). Unmapped or empty fields stay empty so validation asks for them
 * instead of sending a blank (WhatsApp rejects empty parameters).
 */
import type { PageContact } from '../contact.ts';
import type { ContactField, Settings } from '../options/storage.ts';

export function fieldValue(field: ContactField, contact: PageContact, phone: string | null): string {
  const name = (contact.name ?? '').trim();
  switch (field) {
    case 'name':
      return name;
    case 'firstName':
      return name.split(/\s+/)[0] ?? '';
    case 'lastName':
      return name.split(/\s+/).slice(1).join(' ');
    case 'email':
      return contact.email ?? '';
    case 'phone':
      return phone ?? '';
    case 'id':
      return contact.id;
    default: {
      // Custom fields by their label, as the CRM shows it; labels are matched case-insensitively
      // because admins type them by hand in the options.
      const wanted = field.trim().toLowerCase();
      const hit = Object.entries(contact.fields).find(([label]) => label.trim().toLowerCase() === wanted);
      return hit ? hit[1].trim() : '';
    }
  }
}

export function prefillVariables(
  contentSid: string,
  keys: readonly string[],
  mappings: Settings['mappings'],
  contact: PageContact,
  phone: string | null,
): Record<string, string> {
  const mapping = mappings[contentSid] ?? {};
  const values: Record<string, string> = {};
  for (const key of keys) {
    const field = mapping[key];
    values[key] = field ? fieldValue(field, contact, phone) : '';
  }
  return values;
}
