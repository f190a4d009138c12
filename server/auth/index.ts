/**
 * Authentication, the server's side (PostgreSQL's auth.c and auth-scram.c) with no
 * sockets: `authExchange` drives one connection's exchange; `encryptPassword`
 * makes what the cluster stores for CREATE ROLE … PASSWORD.
 */
export { authExchange, AUTH_METHODS, SCRAM_MECHANISM, type AuthExchange, type AuthMethod, type AuthStep } from './exchange.js'
export { encryptPassword, md5Password, passwordMatches, storedPasswordKind, PASSWORD_ENCRYPTIONS, type PasswordEncryption, type StoredPasswordKind } from './passwords.js'
export { computeVerifier, formatVerifier, parseVerifier, type ScramVerifier } from './scram.js'
