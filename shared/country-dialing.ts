/**
 * Dialling facts per country: what phone.ts needs to turn a national number into E.164.
 * Data, not logic, so the list can grow without touching the normaliser.
 */

export interface CountryDialing {
  /** ISO 3166-1 alpha-2. */
  iso: string;
  /** Country calling code without the plus. */
  dial: string;
  /** National trunk prefixes dialled before the number inside the country only ("0" in IN/GB/DE, "1" in NANP, "06" in HU). */
  trunks: readonly string[];
  /**
   * Shortest and longest national significant number (without trunk). Only used to recognise a number typed
   * with its country code but no plus, and to avoid eating a digit that isn't a trunk prefix.
   */
  nsn: readonly [number, number];
  /** English names as CRMs such as Mautic show them, plus common local spellings and abbreviations. */
  names: readonly string[];
}

function c(iso: string, dial: string, trunks: readonly string[], min: number, max: number, ...names: string[]): CountryDialing {
  return Object.freeze({ iso, dial, trunks: Object.freeze([...trunks]), nsn: Object.freeze([min, max] as const), names: Object.freeze(names) });
}

// The North American Numbering Plan: one dial code, "1" also dialled as the long-distance trunk prefix.
const NANP = ['1'] as const;

/** When several countries share a dial code, the first listed is the one shown for display grouping. */
export const COUNTRY_DIALING: readonly CountryDialing[] = Object.freeze([
  // The Americas
  c('US', '1', NANP, 10, 10, 'United States', 'United States of America', 'USA', 'U.S.A.', 'U.S.', 'Estados Unidos'),
  c('CA', '1', NANP, 10, 10, 'Canada'),
  c('PR', '1', NANP, 10, 10, 'Puerto Rico'),
  c('DO', '1', NANP, 10, 10, 'Dominican Republic', 'República Dominicana'),
  c('JM', '1', NANP, 10, 10, 'Jamaica'),
  c('TT', '1', NANP, 10, 10, 'Trinidad and Tobago'),
  c('BS', '1', NANP, 10, 10, 'Bahamas'),
  c('BB', '1', NANP, 10, 10, 'Barbados'),
  c('AG', '1', NANP, 10, 10, 'Antigua and Barbuda'),
  c('DM', '1', NANP, 10, 10, 'Dominica'),
  c('GD', '1', NANP, 10, 10, 'Grenada'),
  c('KN', '1', NANP, 10, 10, 'Saint Kitts and Nevis', 'St Kitts and Nevis'),
  c('LC', '1', NANP, 10, 10, 'Saint Lucia', 'St Lucia'),
  c('VC', '1', NANP, 10, 10, 'Saint Vincent and the Grenadines', 'St Vincent and the Grenadines'),
  c('BM', '1', NANP, 10, 10, 'Bermuda'),
  c('KY', '1', NANP, 10, 10, 'Cayman Islands'),
  c('TC', '1', NANP, 10, 10, 'Turks and Caicos Islands'),
  c('VG', '1', NANP, 10, 10, 'British Virgin Islands', 'Virgin Islands, British'),
  c('VI', '1', NANP, 10, 10, 'U.S. Virgin Islands', 'US Virgin Islands', 'Virgin Islands, U.S.'),
  c('AI', '1', NANP, 10, 10, 'Anguilla'),
  c('MS', '1', NANP, 10, 10, 'Montserrat'),
  c('SX', '1', NANP, 10, 10, 'Sint Maarten'),
  c('MX', '52', [], 10, 10, 'Mexico', 'México'),
  c('GT', '502', [], 8, 8, 'Guatemala'),
  c('BZ', '501', [], 7, 7, 'Belize'),
  c('SV', '503', [], 8, 8, 'El Salvador'),
  c('HN', '504', [], 8, 8, 'Honduras'),
  c('NI', '505', [], 8, 8, 'Nicaragua'),
  c('CR', '506', [], 8, 8, 'Costa Rica'),
  c('PA', '507', [], 7, 8, 'Panama', 'Panamá'),
  c('CU', '53', ['0'], 6, 8, 'Cuba'),
  c('HT', '509', [], 8, 8, 'Haiti'),
  c('AR', '54', ['0'], 10, 11, 'Argentina'),
  c('BO', '591', ['0'], 8, 8, 'Bolivia'),
  c('BR', '55', ['0'], 10, 11, 'Brazil', 'Brasil'),
  c('CL', '56', [], 9, 9, 'Chile'),
  c('CO', '57', [], 10, 10, 'Colombia'),
  c('EC', '593', ['0'], 8, 9, 'Ecuador'),
  c('GY', '592', [], 7, 7, 'Guyana'),
  c('PY', '595', ['0'], 7, 9, 'Paraguay'),
  c('PE', '51', ['0'], 8, 9, 'Peru', 'Perú'),
  c('SR', '597', [], 6, 7, 'Suriname'),
  c('UY', '598', ['0'], 8, 8, 'Uruguay'),
  c('VE', '58', ['0'], 10, 10, 'Venezuela'),
  c('GF', '594', ['0'], 9, 9, 'French Guiana'),
  c('GP', '590', ['0'], 9, 9, 'Guadeloupe'),
  c('MQ', '596', ['0'], 9, 9, 'Martinique'),
  c('AW', '297', [], 7, 7, 'Aruba'),
  c('CW', '599', [], 7, 8, 'Curaçao'),
  c('FK', '500', [], 5, 5, 'Falkland Islands'),
  c('GL', '299', [], 6, 6, 'Greenland'),
  c('PM', '508', [], 6, 6, 'Saint Pierre and Miquelon'),
  // European Union
  c('AT', '43', ['0'], 4, 13, 'Austria', 'Österreich'),
  c('BE', '32', ['0'], 8, 9, 'Belgium', 'Belgique', 'België'),
  c('BG', '359', ['0'], 8, 9, 'Bulgaria'),
  c('HR', '385', ['0'], 8, 9, 'Croatia', 'Hrvatska'),
  c('CY', '357', [], 8, 8, 'Cyprus'),
  c('CZ', '420', [], 9, 9, 'Czech Republic', 'Czechia'),
  c('DK', '45', [], 8, 8, 'Denmark', 'Danmark'),
  c('EE', '372', [], 7, 8, 'Estonia'),
  c('FI', '358', ['0'], 5, 12, 'Finland', 'Suomi'),
  c('FR', '33', ['0'], 9, 9, 'France'),
  c('DE', '49', ['0'], 6, 13, 'Germany', 'Deutschland'),
  c('GR', '30', [], 10, 10, 'Greece'),
  c('HU', '36', ['06'], 8, 9, 'Hungary', 'Magyarország'),
  c('IE', '353', ['0'], 7, 9, 'Ireland', 'Republic of Ireland'),
  c('IT', '39', [], 6, 11, 'Italy', 'Italia'),
  c('LV', '371', [], 8, 8, 'Latvia'),
  // Lithuania moved its trunk prefix from 8 to 0; CRMs hold both.
  c('LT', '370', ['8', '0'], 8, 8, 'Lithuania'),
  c('LU', '352', [], 4, 11, 'Luxembourg'),
  c('MT', '356', [], 8, 8, 'Malta'),
  c('NL', '31', ['0'], 9, 9, 'Netherlands', 'Holland', 'Nederland'),
  c('PL', '48', [], 9, 9, 'Poland', 'Polska'),
  c('PT', '351', [], 9, 9, 'Portugal'),
  c('RO', '40', ['0'], 9, 9, 'Romania', 'România'),
  c('SK', '421', ['0'], 9, 9, 'Slovakia'),
  c('SI', '386', ['0'], 8, 8, 'Slovenia'),
  c('ES', '34', [], 9, 9, 'Spain', 'España'),
  c('SE', '46', ['0'], 7, 9, 'Sweden', 'Sverige'),
  // Rest of Europe
  c('GB', '44', ['0'], 9, 10, 'United Kingdom', 'UK', 'Great Britain', 'Britain', 'England', 'Scotland', 'Wales', 'Northern Ireland'),
  c('CH', '41', ['0'], 9, 9, 'Switzerland', 'Schweiz', 'Suisse'),
  c('NO', '47', [], 8, 8, 'Norway', 'Norge'),
  c('IS', '354', [], 7, 9, 'Iceland'),
  c('UA', '380', ['0'], 9, 9, 'Ukraine'),
  c('RU', '7', ['8'], 10, 10, 'Russia', 'Russian Federation'),
  c('KZ', '7', ['8'], 10, 10, 'Kazakhstan'),
  c('RS', '381', ['0'], 8, 9, 'Serbia'),
  c('AL', '355', ['0'], 8, 9, 'Albania'),
  c('BA', '387', ['0'], 8, 8, 'Bosnia and Herzegovina'),
  c('MK', '389', ['0'], 8, 8, 'North Macedonia', 'Macedonia'),
  c('ME', '382', ['0'], 8, 8, 'Montenegro'),
  c('MD', '373', ['0'], 8, 8, 'Moldova'),
  c('LI', '423', [], 7, 7, 'Liechtenstein'),
  c('MC', '377', [], 8, 9, 'Monaco'),
  c('AD', '376', [], 6, 6, 'Andorra'),
  c('GI', '350', [], 8, 8, 'Gibraltar'),
  // Asia, Middle East, Africa, Oceania
  c('IN', '91', ['0'], 10, 10, 'India', 'Bharat'),
  c('ID', '62', ['0'], 8, 12, 'Indonesia'),
  c('PH', '63', ['0'], 8, 10, 'Philippines'),
  c('NG', '234', ['0'], 8, 10, 'Nigeria'),
  c('ZA', '27', ['0'], 9, 9, 'South Africa'),
  c('AE', '971', ['0'], 8, 9, 'United Arab Emirates', 'UAE'),
  c('SA', '966', ['0'], 8, 9, 'Saudi Arabia', 'KSA'),
  c('AU', '61', ['0'], 9, 9, 'Australia'),
  c('NZ', '64', ['0'], 8, 10, 'New Zealand'),
  c('JP', '81', ['0'], 9, 10, 'Japan'),
  c('CN', '86', ['0'], 9, 11, 'China', "People's Republic of China", 'PRC'),
  c('KR', '82', ['0'], 8, 10, 'South Korea', 'Korea', 'Republic of Korea', 'Korea, Republic of', 'Korea, South'),
  c('SG', '65', [], 8, 8, 'Singapore'),
  c('MY', '60', ['0'], 9, 10, 'Malaysia'),
  c('TR', '90', ['0'], 10, 10, 'Turkey', 'Türkiye'),
  c('IL', '972', ['0'], 8, 9, 'Israel'),
  c('EG', '20', ['0'], 9, 10, 'Egypt'),
  c('KE', '254', ['0'], 9, 9, 'Kenya'),
  c('PK', '92', ['0'], 9, 10, 'Pakistan'),
  c('BD', '880', ['0'], 8, 10, 'Bangladesh'),
  c('HK', '852', [], 8, 8, 'Hong Kong'),
  c('TW', '886', ['0'], 8, 9, 'Taiwan'),
  c('TH', '66', ['0'], 8, 9, 'Thailand'),
  c('VN', '84', ['0'], 9, 10, 'Vietnam', 'Viet Nam'),
  c('LK', '94', ['0'], 9, 9, 'Sri Lanka'),
  c('NP', '977', ['0'], 8, 10, 'Nepal'),
  c('MA', '212', ['0'], 9, 9, 'Morocco'),
  c('DZ', '213', ['0'], 8, 9, 'Algeria'),
  c('TN', '216', [], 8, 8, 'Tunisia'),
  c('GH', '233', ['0'], 9, 9, 'Ghana'),
  c('TZ', '255', ['0'], 9, 9, 'Tanzania'),
  c('UG', '256', ['0'], 9, 9, 'Uganda'),
  c('ET', '251', ['0'], 9, 9, 'Ethiopia'),
  c('CI', '225', [], 10, 10, 'Ivory Coast', "Côte d'Ivoire"),
  c('SN', '221', [], 9, 9, 'Senegal'),
  c('CM', '237', [], 9, 9, 'Cameroon'),
  c('QA', '974', [], 8, 8, 'Qatar'),
  c('KW', '965', [], 8, 8, 'Kuwait'),
  c('BH', '973', [], 8, 8, 'Bahrain'),
  c('OM', '968', [], 8, 8, 'Oman'),
  c('JO', '962', ['0'], 8, 9, 'Jordan'),
  c('LB', '961', ['0'], 7, 8, 'Lebanon'),
  c('IQ', '964', ['0'], 8, 10, 'Iraq'),
  c('IR', '98', ['0'], 10, 10, 'Iran'),
]);
