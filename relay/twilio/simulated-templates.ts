/** The simulator's Content templates: the Twilio sandbox's appointment reminder and a few typical ones. */
import type { Template } from '../../shared/api.ts';

export const SIMULATED_TEMPLATES: Template[] = [
  {
    sid: 'HXb5b62575e6e4ff6129ad7c8efe1f983e',
    name: 'appointment_reminder',
    language: 'en',
    category: 'UTILITY',
    body: 'Your appointment is coming up on {{1}} at {{2}}',
    variables: ['1', '2'],
    samples: { '1': '12/1', '2': '3pm' },
  },
  {
    sid: 'HX1f0c3a5b7d9e2f4a6b8c0d1e3f5a7b9c',
    name: 'order_update',
    language: 'en',
    category: 'UTILITY',
    body: 'Hi {{1}}, your order *{{2}}* has shipped. Reply here if you have any question.',
    variables: ['1', '2'],
    samples: { '1': 'Ana', '2': '#4521' },
  },
  {
    sid: 'HX2a4c6e8f0b1d3f5a7c9e0b2d4f6a8c0e',
    name: 'follow_up_es',
    language: 'es',
    category: 'MARKETING',
    body: 'Hola {{1}}, ¿te gustaría agendar una llamada esta semana? _Responde SÍ o NO_.',
    variables: ['1'],
    samples: { '1': 'Carlos' },
  },
  {
    sid: 'HX3b5d7f9a1c3e5b7d9f1a3c5e7b9d1f3a',
    name: 'welcome_pt',
    language: 'pt',
    category: 'MARKETING',
    body: 'Olá {{1}}! Obrigado pelo interesse. Posso ajudar com mais alguma coisa?',
    variables: ['1'],
    samples: { '1': 'Beatriz' },
  },
];
