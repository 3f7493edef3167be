/** The {@code memory://} backbone: in-process only, the default for a single worker. */
package dev.opal4j.broadcast.memory;
