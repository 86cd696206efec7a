// Test support: the golden receipts in ./golden. Each NN-name.json holds a document and how its
// figures were checked; each NN-name.<width>.txt is its text layout at that width, written by hand
// (see `checked`). Never regenerate a .txt from renderText: a golden made by the code under test
// cannot fail.
import { readdirSync, readFileSync } from 'node:fs';
import type { ReceiptDocument } from './document.ts';

export interface GoldenReceipt {
  name: string;
  description: string;
  checked: string[];
  document: ReceiptDocument;
  /** Width → the expected text. */
  texts: Map<number, string>;
}

const folder = new URL('./golden/', import.meta.url);

export function loadGoldens(): GoldenReceipt[] {
  const files = readdirSync(folder).sort();
  return files
    .filter((file) => file.endsWith('.json'))
    .map((file) => {
      const name = file.slice(0, -'.json'.length);
      const parsed = JSON.parse(readFileSync(new URL(file, folder), 'utf8')) as Omit<
        GoldenReceipt,
        'name' | 'texts'
      >;
      const texts = new Map<number, string>();
      for (const text of files) {
        const match = new RegExp(`^${name}\\.(\\d+)\\.txt$`, 'u').exec(text);
        if (match) texts.set(Number(match[1]), readFileSync(new URL(text, folder), 'utf8'));
      }
      return { name, ...parsed, texts };
    });
}

export function golden(name: string): ReceiptDocument {
  const found = loadGoldens().find((entry) => entry.name.startsWith(name));
  if (!found) throw new Error(`no golden receipt ${name}`);
  return structuredClone(found.document);
}
