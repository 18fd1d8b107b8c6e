import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Api, Who } from './api.ts';

export interface Session {
  api: Api;
  who: Who;
  tenantId: string;
  /** A short message for the live region (success of an action, mostly). */
  notify: (message: string) => void;
}

export const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a signed-in view');
  return s;
}
