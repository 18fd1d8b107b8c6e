import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Api, Who } from './api.ts';

export interface Session {
  api: Api;
  who: Who;
  tenantId: string;
  /** A short message for the live region (success of an action, mostly). */
  notify: (message: string) => void;
  /**
   * May this credential change anything? False only for a `read` portal
   * session. Every control that changes state reads this one flag (through
   * `<IfCanWrite>` or `useSession().canWrite`), so a read-only view never shows one.
   */
  canWrite: boolean;
}

/** Admin and tenant keys write; a portal session writes with scope `manage` only. */
export const canWriteAs = (who: Who): boolean => who.kind !== 'portal' || who.scope === 'manage';

export const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a signed-in view');
  return s;
}
