import { describe, expect, it } from 'vitest';
import { accentProperties, applyBrand, contrastRatio, inkOn, parseHex, readBrand, textOn, PAGE_BACKGROUND } from '../../lib/dashboard/ui/brand.ts';
import { PORTAL_STORAGE, bootPortal, portalTenantOf, safeStore, sessionTokenOf, type WebStorage } from '../../lib/dashboard/ui/portal.ts';

class MemoryStorage implements WebStorage {
  readonly items = new Map<string, string>();
  getItem = (k: string) => this.items.get(k) ?? null;
  setItem = (k: string, v: string) => void this.items.set(k, v);
  removeItem = (k: string) => void this.items.delete(k);
}

/** A location and history like the browser's, recording what replaceState wrote. */
function browser(pathname: string, hash: string) {
  const calls: string[] = [];
  const win = {
    location: { pathname, hash },
    history: {
      replaceState: (_d: unknown, _u: string, url: string) => {
        calls.push(url);
        const i = url.indexOf('#');
        win.location.pathname = url.slice(0, i);
        win.location.hash = url.slice(i);
      },
    },
  };
  return { win, calls };
}

describe('portal boot', () => {
  it('reads the tenant from /portal/<tenantId> only', () => {
    expect(portalTenantOf('/portal/ten_acme')).toBe('ten_acme');
    expect(portalTenantOf('/portal/ten_acme/')).toBe('ten_acme');
    expect(portalTenantOf('/portal/ten%5Facme')).toBe('ten_acme');
    expect(portalTenantOf('/dashboard')).toBeUndefined();
    expect(portalTenantOf('/portal/')).toBeUndefined();
    expect(portalTenantOf('/portal/a/b')).toBeUndefined();
    expect(portalTenantOf('/portal/%E0%A4%A')).toBeUndefined();
  });

  it('reads the token from #session=', () => {
    expect(sessionTokenOf('#session=bhps_abc-_9')).toBe('bhps_abc-_9');
    expect(sessionTokenOf('#session=')).toBeUndefined();
    expect(sessionTokenOf('#/t/ten_acme/endpoints')).toBeUndefined();
    expect(sessionTokenOf('')).toBeUndefined();
  });

  it('takes the token out of the address at once, keeps it for the tab, and lands on the endpoints', () => {
    const storage = new MemoryStorage();
    const { win, calls } = browser('/portal/ten_acme', '#session=bhps_secret');
    expect(bootPortal(win, safeStore(() => storage))).toEqual({ tenantId: 'ten_acme', token: 'bhps_secret' });
    expect(calls).toEqual(['/portal/ten_acme#/t/ten_acme/endpoints']);
    expect(win.location.hash).not.toContain('bhps_');
    expect(storage.getItem(PORTAL_STORAGE)).toBe('bhps_secret');
    // A reload of the same tab finds it again, and leaves the route alone.
    win.location.hash = '#/t/ten_acme/catalogue';
    expect(bootPortal(win, safeStore(() => storage))).toEqual({ tenantId: 'ten_acme', token: 'bhps_secret' });
    expect(calls).toHaveLength(1);
  });

  it('a fresh link replaces a kept token; an empty one drops it', () => {
    const storage = new MemoryStorage();
    storage.setItem(PORTAL_STORAGE, 'bhps_old');
    expect(bootPortal(browser('/portal/ten_acme', '#session=bhps_new').win, safeStore(() => storage))?.token).toBe('bhps_new');
    const { win, calls } = browser('/portal/ten_acme', '#session=');
    expect(bootPortal(win, safeStore(() => storage))).toEqual({ tenantId: 'ten_acme', token: undefined });
    expect(calls).toHaveLength(1);
    expect(storage.getItem(PORTAL_STORAGE)).toBeNull();
  });

  it('without a token and nothing kept there is nothing to sign in with; outside /portal it is not portal mode', () => {
    expect(bootPortal(browser('/portal/ten_acme', '').win, safeStore(() => new MemoryStorage()))).toEqual({ tenantId: 'ten_acme', token: undefined });
    expect(bootPortal(browser('/dashboard', '#session=bhps_x').win, safeStore(() => new MemoryStorage()))).toBeUndefined();
  });

  it('keeps the token in memory where the browser refuses storage (third-party iframes)', () => {
    const blocked = () => {
      throw new Error('SecurityError: access to sessionStorage is denied');
    };
    const store = safeStore(blocked);
    const { win } = browser('/portal/ten_acme', '#session=bhps_framed');
    expect(bootPortal(win, store)?.token).toBe('bhps_framed');
    expect(bootPortal(win, store)?.token).toBe('bhps_framed');
    store.remove(PORTAL_STORAGE);
    expect(store.get(PORTAL_STORAGE)).toBeUndefined();
  });
});

describe('branding', () => {
  const doc = (metas: Record<string, string>) => ({
    querySelector: (sel: string) => {
      const name = /name="([^"]+)"/.exec(sel)?.[1] ?? '';
      return name in metas ? { getAttribute: () => metas[name]! } : null;
    },
  });

  it('reads the product name and accent from the metas, with defaults', () => {
    expect(readBrand(doc({ 'billhook-product': 'Acme Pay', 'billhook-accent': '#FF6600' }))).toEqual({ productName: 'Acme Pay', accent: '#ff6600' });
    expect(readBrand(doc({}))).toEqual({ productName: 'Billhook', accent: undefined });
    expect(readBrand(doc({ 'billhook-product': '  ', 'billhook-accent': 'red; background:url(x)' }))).toEqual({ productName: 'Billhook', accent: undefined });
  });

  it('picks white or black button text, whichever passes AA on the accent', () => {
    expect(textOn('#1f5fbf')).toBe('#ffffff');
    expect(textOn('#ffd400')).toBe('#000000');
    expect(textOn('#000000')).toBe('#ffffff');
    expect(textOn('#ffffff')).toBe('#000000');
    // Any accent: the chosen text reaches 4.5:1.
    for (let v = 0; v < 256 ** 3; v += 99_991) {
      const hex = '#' + v.toString(16).padStart(6, '0');
      expect(contrastRatio(parseHex(hex)!, parseHex(textOn(hex))!), hex).toBeGreaterThanOrEqual(4.5);
    }
  });

  it('darkens a light accent used as link text until it reads on the page', () => {
    expect(inkOn('#1f5fbf', PAGE_BACKGROUND)).toBe('#1f5fbf'); // already AA
    const ink = inkOn('#ffd400', PAGE_BACKGROUND);
    expect(ink).not.toBe('#ffd400');
    expect(contrastRatio(parseHex(ink)!, parseHex(PAGE_BACKGROUND)!)).toBeGreaterThanOrEqual(4.5);
  });

  it('applies the accent as custom properties through the CSSOM, and nothing for a bad colour', () => {
    const set: Record<string, string> = {};
    applyBrand({ setProperty: (k, v) => void (set[k] = v) }, { productName: 'Acme', accent: '#ffd400' });
    expect(set).toEqual({ '--accent': '#ffd400', '--accent-text': '#000000', '--accent-ink': inkOn('#ffd400', PAGE_BACKGROUND) });
    expect(accentProperties('javascript:alert(1)')).toBeUndefined();
    const none: Record<string, string> = {};
    applyBrand({ setProperty: (k, v) => void (none[k] = v) }, { productName: 'Acme' });
    expect(none).toEqual({});
  });
});
