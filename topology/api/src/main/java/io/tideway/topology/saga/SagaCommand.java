package io.tideway.topology.saga;

import java.time.Instant;

/**
 * What the engine tells a command factory about the command it makes.
 *
 * @param sagaId the saga that sends the command
 * @param commandId unique per command, and the same on every resend of it, so a participant that
 *     has handled it does not act again
 * @param issuedAt when the command is sent
 * @param failure why the saga compensates, for a compensation's reason; null running forward
 */
public record SagaCommand(String sagaId, String commandId, Instant issuedAt, String failure) {}
