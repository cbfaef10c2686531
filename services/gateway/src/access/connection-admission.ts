import { ConnectionRate } from './connection-rate';
import { UserConnectionLimit } from './user-connection-limit';

/** Why a connection was refused: a catalogue code the client can act on, the reason, and when to try again. */
export interface ConnectionRefusal {
  code: 'NOTIFY_ERR_RATE_LIMITED' | 'NOTIFY_ERR_TOO_MANY_CONNECTIONS';
  message: string;
  retryAfterMs?: number;
}

export interface ConnectionCaps {
  /** Concurrent connections (socket.io and SSE together) one user may hold on this gateway; 0: no cap. */
  maxConnectionsPerUser: number;
  /** Connection attempts one client address may make per window; 0: no limit. */
  connectRatePerAddress: number;
  connectRateWindowMs: number;
}

/**
 * The caps every new connection passes, whatever its transport: first the attempts of its address
 * (before its token is even read, so a flood of bad tokens is refused as cheaply as possible), then,
 * once the user is known, the user's connections on this gateway.
 */
export class ConnectionAdmission {
  private readonly rate: ConnectionRate;
  private readonly perUser: UserConnectionLimit;

  constructor(
    private readonly caps: ConnectionCaps,
    private readonly onRefused: (refusal: ConnectionRefusal) => void = () => {},
  ) {
    this.rate = new ConnectionRate(caps.connectRatePerAddress, caps.connectRateWindowMs);
    this.perUser = new UserConnectionLimit(caps.maxConnectionsPerUser);
  }

  /** Counts an attempt from `address`: undefined to go on, or the refusal. */
  attempt(address: string): ConnectionRefusal | undefined {
    const verdict = this.rate.take(address);
    if (verdict.allowed) return undefined;
    const retryAfterS = Math.max(1, Math.ceil(verdict.retryAfterMs / 1000));
    return this.refuse({
      code: 'NOTIFY_ERR_RATE_LIMITED',
      message: `too many connection attempts from this address (at most ${this.caps.connectRatePerAddress} per ${this.caps.connectRateWindowMs / 1000} s); retry in ${retryAfterS} s`,
      retryAfterMs: verdict.retryAfterMs,
    });
  }

  /** Takes one of the user's connection slots: its release (call it when the connection closes), or the refusal. */
  admit(userId: string): { release: () => void } | { refusal: ConnectionRefusal } {
    const release = this.perUser.reserve(userId);
    if (release) return { release };
    return {
      refusal: this.refuse({
        code: 'NOTIFY_ERR_TOO_MANY_CONNECTIONS',
        message: `this user already holds ${this.caps.maxConnectionsPerUser} connections to this gateway, the most it allows; close one (another tab or device) first`,
      }),
    };
  }

  private refuse(refusal: ConnectionRefusal): ConnectionRefusal {
    this.onRefused(refusal);
    return refusal;
  }
}
