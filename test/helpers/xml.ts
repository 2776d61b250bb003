/** An element of a parsed XML document. */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = /^[A-Za-z_:][\w.:-]*$/;
const ENTITY = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[\da-fA-F]+);)/;

/**
 * A small, strict XML parser for tests: it throws on anything not well-formed (unbalanced or
 * misnamed tags, unquoted or repeated attributes, a bare `<` or `&` in text) and returns the tree.
 */
export function parseXml(xml: string): XmlElement {
  const root: XmlElement = { name: '#document', attributes: {}, children: [], text: '' };
  const stack = [root];
  const token = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!\[CDATA\[[\s\S]*?\]\]>|<!DOCTYPE[^>]*>|<\/?[^>]*>|[^<]+/g;
  let pos = 0;
  for (const m of xml.matchAll(token)) {
    if (m.index !== pos) throw new Error(`unexpected "${xml.slice(pos, pos + 20)}" at ${pos}`);
    pos = m.index + m[0].length;
    const t = m[0];
    const top = stack.at(-1)!;
    if (t.startsWith('<!--') || t.startsWith('<?') || t.startsWith('<!DOCTYPE')) continue;
    if (t.startsWith('<![CDATA[')) {
      top.text += t.slice(9, -3);
      continue;
    }
    if (!t.startsWith('<')) {
      if (ENTITY.test(t)) throw new Error(`bare & in text at ${m.index}`);
      top.text += t;
      continue;
    }
    if (t.startsWith('</')) {
      const name = t.slice(2, -1).trim();
      if (stack.length === 1 || top.name !== name) throw new Error(`</${name}> closes <${top.name}> at ${m.index}`);
      stack.pop();
      continue;
    }
    const selfClosing = t.endsWith('/>');
    const body = t.slice(1, selfClosing ? -2 : -1);
    const name = /^\S+/.exec(body)?.[0] ?? '';
    if (!NAME.test(name)) throw new Error(`bad element name "${name}" at ${m.index}`);
    const attributes: Record<string, string> = {};
    const rest = body.slice(name.length);
    const attr = /\s+([^\s=]+)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')/y;
    let at = 0;
    while (at < rest.length && rest.slice(at).trim() !== '') {
      attr.lastIndex = at;
      const a = attr.exec(rest);
      if (!a) throw new Error(`bad attribute in <${name}> at ${m.index}: "${rest.slice(at, at + 30)}"`);
      if (!NAME.test(a[1]!) || a[1]! in attributes) throw new Error(`bad or repeated attribute ${a[1]} in <${name}>`);
      const value = a[2] ?? a[3] ?? '';
      if (ENTITY.test(value)) throw new Error(`bare & in attribute ${a[1]} of <${name}>`);
      attributes[a[1]!] = value;
      at = attr.lastIndex;
    }
    const el: XmlElement = { name, attributes, children: [], text: '' };
    top.children.push(el);
    if (!selfClosing) stack.push(el);
  }
  if (pos !== xml.length) throw new Error(`unexpected text at ${pos}`);
  if (stack.length !== 1) throw new Error(`<${stack.at(-1)!.name}> is never closed`);
  if (root.children.length !== 1) throw new Error(`a document has one root element, found ${root.children.length}`);
  return root.children[0]!;
}

/** Every element of a tree, depth first. */
export function* elements(el: XmlElement): Generator<XmlElement> {
  yield el;
  for (const c of el.children) yield* elements(c);
}
