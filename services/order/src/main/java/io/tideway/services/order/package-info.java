/**
 * The order service. {@code domain} holds the order aggregate and the customer addresses the
 * service knows, free of Spring, Kafka and the database; {@code application} runs each command and
 * each consumed event in one transaction with the events it publishes; {@code messaging} consumes
 * the customer and inventory events; {@code persistence} stores with JDBC; {@code web} maps HTTP to
 * commands and queries.
 */
package io.tideway.services.order;
