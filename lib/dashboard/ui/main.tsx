import { render } from 'preact';
import { App } from './app.tsx';
import { applyBrand, readBrand } from './brand.ts';
import { bootPortal, safeStore } from './portal.ts';
import './styles.css';

// Before the first render: a portal link's token leaves the address bar, and the brand's accent applies.
const store = safeStore(() => window.sessionStorage);
const brand = readBrand(document);
applyBrand(document.documentElement.style, brand);
const portal = bootPortal(window, store);

const root = document.getElementById('app')!;
// Preact diffs against what is there: drop the server's "Loading…" placeholder first.
root.textContent = '';
render(<App boot={{ store, brand, portal }} />, root);
