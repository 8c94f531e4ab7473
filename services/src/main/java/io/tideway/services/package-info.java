/** Reference microservices: customer, order and inventory. */
package io.tideway.services;
