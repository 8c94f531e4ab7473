package io.tideway.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs a test class against a real Kafka broker (KRaft) and a real PostgreSQL server, both started
 * once per test JVM and shared by every test class in it.
 *
 * <p>Test methods, lifecycle methods and constructors declare what they need as parameters; each
 * gets its own, so tests never see each other's data:
 *
 * <ul>
 *   <li>{@link TestKafka}: the broker, with topics named uniquely for the test and deleted after
 *       it;
 *   <li>{@link TestDatabase}: a database of its own with its own user, dropped after the test.
 * </ul>
 *
 * <pre>{@code
 * @TidewayTest
 * class OrderProjectionIT {
 *   @Test
 *   void shouldProjectOrders(TestKafka kafka, TestDatabase db) throws Exception {
 *     String orders = kafka.createTopic("order.events", 3);
 *     try (Connection c = db.connect()) { ... }
 *   }
 * }
 * }</pre>
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(TidewayExtension.class)
public @interface TidewayTest {}
