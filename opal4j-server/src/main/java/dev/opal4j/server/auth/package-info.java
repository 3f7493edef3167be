/**
 * OPAL's authentication: RS256 JWTs verified against {@code OPAL_AUTH_PUBLIC_KEY}, tokens issued by
 * {@code POST /token} with {@code OPAL_AUTH_PRIVATE_KEY}, the master token, and the claims that
 * authorize ({@code peer_type}, {@code permitted_topics}). Insecure mode when no keys are set.
 */
package dev.opal4j.server.auth;
