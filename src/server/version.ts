/** Reported by /api/health and /api/info; kept in step with package.json at release time. */
export const SERVER_VERSION = '0.1.0';
