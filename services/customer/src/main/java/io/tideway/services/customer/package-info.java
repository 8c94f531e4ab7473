/**
 * The customer service. {@code domain} holds the customer aggregate and knows nothing of Spring,
 * Kafka or the database; {@code application} runs each command in one transaction with the event it
 * publishes; {@code persistence} stores customers with JDBC; {@code web} maps HTTP to commands and
 * queries.
 */
package io.tideway.services.customer;
