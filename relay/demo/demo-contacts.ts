/** The demo CRM's contacts: one Brazilian with a mobile and a CRM opt-in, one Indian with two numbers. */
export interface DemoContact {
  id: number;
  name: string;
  company: string;
  email: string;
  phone: string;
  mobile: string;
  city: string;
  country: string;
  optIn: string;
  owner: string;
}

export const DEMO_CONTACTS: DemoContact[] = [
  { id: 42, name: 'Ana Souza', company: 'Acme Ltda', email: 'ana.souza@example.com', phone: '', mobile: '(11) 98765-4321', city: 'São Paulo', country: 'Brazil', optIn: 'Yes', owner: 'Maria Lopes' },
  { id: 43, name: 'Rahul Mehta', company: 'Mehta Traders', email: 'rahul@example.in', phone: '022 2345 6789', mobile: '+91 98765 43210', city: 'Mumbai', country: 'India', optIn: 'No', owner: 'Maria Lopes' },
];
