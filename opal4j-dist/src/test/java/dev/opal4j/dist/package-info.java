/**
 * Tests of what opal4j ships: the distribution archive, unpacked and run as an operator would
 * ({@code *IT}, after {@code package}), and the deployment examples under {@code deploy/} and the
 * Dockerfile, whose environment variables must all be ones opal4j knows.
 */
package dev.opal4j.dist;
