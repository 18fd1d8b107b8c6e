/**
 * Platform branding: the product name and accent colour the served page
 * carries as `<meta name="billhook-product">` and `<meta name="billhook-accent">`.
 * The accent is applied as CSS custom properties through the CSSOM, which a
 * `style-src 'self'` policy allows (inline style attributes it would not).
 * Text on the accent, and the accent used as link text, keep WCAG AA contrast
 * whatever colour the platform picks. Pure, apart from `readBrand` reading the DOM.
 */

export const DEFAULT_PRODUCT_NAME = 'Billhook';

export interface Brand {
  productName: string;
  /** `#rrggbb`, lower case; absent when the page names none (or names something that is not one). */
  accent?: string | undefined;
}

type Rgb = readonly [number, number, number];

const HEX = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i;

/** `#1f5fbf` → [31, 95, 191]; anything else → undefined. */
export function parseHex(hex: string): Rgb | undefined {
  const m = HEX.exec(hex.trim());
  return m ? [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)] : undefined;
}

export const toHex = (rgb: Rgb): string => '#' + rgb.map((c) => Math.round(c).toString(16).padStart(2, '0')).join('');

/** WCAG 2 relative luminance, 0 (black) to 1 (white). */
export function relativeLuminance(rgb: Rgb): number {
  const [r, g, b] = rgb.map((c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG 2 contrast ratio, 1 to 21. */
export function contrastRatio(a: Rgb, b: Rgb): number {
  const [hi, lo] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

const WHITE: Rgb = [255, 255, 255];
const BLACK: Rgb = [0, 0, 0];

/**
 * White or black, whichever reads better on the accent. The better of the two
 * is always at least 4.58:1, so a button label on any accent passes AA.
 */
export function textOn(accent: string): '#ffffff' | '#000000' {
  const rgb = parseHex(accent) ?? BLACK;
  return contrastRatio(rgb, WHITE) >= contrastRatio(rgb, BLACK) ? '#ffffff' : '#000000';
}

/**
 * The accent as text on `background` (links): the accent itself when it
 * already reaches `min`, else the accent mixed towards black just enough.
 */
export function inkOn(accent: string, background: string, min = 4.5): string {
  const rgb = parseHex(accent);
  const bg = parseHex(background) ?? WHITE;
  if (!rgb) return accent;
  for (let k = 0; k <= 20; k++) {
    const mixed = rgb.map((c) => c * (1 - k / 20)) as unknown as Rgb;
    if (contrastRatio(mixed, bg) >= min) return toHex(mixed);
  }
  return '#000000';
}

/** The page background links sit on (the darker of --bg and --panel, so both pass). */
export const PAGE_BACKGROUND = '#f6f7f9';

/** The custom properties an accent sets: `--accent`, `--accent-text` (on it), `--accent-ink` (links). */
export function accentProperties(accent: string): Record<string, string> | undefined {
  if (!parseHex(accent)) return undefined;
  const a = accent.toLowerCase();
  return { '--accent': a, '--accent-text': textOn(a), '--accent-ink': inkOn(a, PAGE_BACKGROUND) };
}

/** The brand the served page names in its metas (defaults when absent or empty). */
export function readBrand(doc: { querySelector(selector: string): { getAttribute(name: string): string | null } | null }): Brand {
  const meta = (name: string) => doc.querySelector(`meta[name="${name}"]`)?.getAttribute('content')?.trim() || undefined;
  const accent = meta('billhook-accent');
  return { productName: meta('billhook-product') ?? DEFAULT_PRODUCT_NAME, accent: accent && parseHex(accent) ? accent.toLowerCase() : undefined };
}

/** Apply the accent through the CSSOM (e.g. `document.documentElement.style`). */
export function applyBrand(style: { setProperty(name: string, value: string): void }, brand: Brand): void {
  const props = brand.accent ? accentProperties(brand.accent) : undefined;
  for (const [name, value] of Object.entries(props ?? {})) style.setProperty(name, value);
}
