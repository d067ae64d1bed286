package dev.jwkscache.internal.security;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import okhttp3.Dns;

/**
 * Resolves with the system resolver, then refuses the whole answer when any address in it is
 * refused by {@link AddressPolicy}. OkHttp connects only to the addresses this returns, so a name
 * that re-resolves between a check and a connect (DNS rebinding) cannot slip through: the check
 * is on the very list that is connected to. Refusing on any forbidden address, rather than
 * filtering, keeps a half-poisoned answer from being used at all.
 */
final class GuardedDns implements Dns {
  private final Dns delegate;
  private final boolean refusePrivate;

  GuardedDns(Dns delegate, boolean refusePrivate) {
    this.delegate = delegate;
    this.refusePrivate = refusePrivate;
  }

  @Override
  public List<InetAddress> lookup(String hostname) throws UnknownHostException {
    List<InetAddress> all = delegate.lookup(hostname);
    for (InetAddress a : all) {
      String why = AddressPolicy.refusal(a, refusePrivate);
      if (why != null) {
        throw new RefusedAddressException(hostname, a, why);
      }
    }
    return all;
  }
}
