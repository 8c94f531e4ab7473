package io.tideway.services.starter;

import org.springframework.transaction.IllegalTransactionStateException;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * What runs only in the caller's transaction, with the change it guards: a key claimed or an event
 * marked processed on its own would commit without that change, and every retry or redelivery would
 * then find it done.
 */
final class CallersTransaction {

  private CallersTransaction() {}

  /**
   * @param what what the caller asked for, e.g. "marking an event processed"
   * @throws IllegalTransactionStateException when no Spring transaction is active
   */
  static void require(String what) {
    if (!TransactionSynchronizationManager.isActualTransactionActive()) {
      throw new IllegalTransactionStateException(
          "No Spring transaction is active: "
              + what
              + " belongs in the transaction of the change it guards, so call it from a"
              + " @Transactional method or a TransactionTemplate");
    }
  }
}
