/**
 * WhatsApp formatting as elements with text children. Contact and Twilio text reaches the DOM only
 * through here (or as plain text nodes): never as HTML, so `<img onerror>` in a reply stays text.
 */
import type { FormatNode } from '../../../shared/whatsapp-format.ts';
import { parseWhatsAppFormat } from '../../../shared/whatsapp-format.ts';

function renderNodes(nodes: readonly FormatNode[]) {
  return nodes.map((node, i) => {
    switch (node.type) {
      case 'text':
        return node.text;
      case 'newline':
        return <br key={i} />;
      case 'bold':
        return <strong key={i}>{renderNodes(node.children)}</strong>;
      case 'italic':
        return <em key={i}>{renderNodes(node.children)}</em>;
      case 'strike':
        return <s key={i}>{renderNodes(node.children)}</s>;
      case 'mono':
        return <code key={i} class="mono">{node.text}</code>;
      case 'code':
        return <code key={i}>{node.text}</code>;
    }
  });
}

export function Formatted({ text }: { text: string }) {
  return <>{renderNodes(parseWhatsAppFormat(text))}</>;
}
