//! Origin and relying party identifier rules (WebAuthn L3 §5.1.3 step 7-8, §5.1.4 step 6-7;
//! HTML "is a registrable domain suffix of or is equal to"). This is the phishing defence: a
//! site may only claim its own host or a registrable parent of it.

use super::ClientError;

/// Checks `origin` and returns the RP ID to use: `rp_id` when given and allowed, else the host.
/// Why strict: anything looser lets one site mint or use passkeys of another.
pub fn effective_rp_id(origin: &str, rp_id: Option<&str>) -> Result<String, ClientError> {
    let (host, _) = origin_host(origin)?;
    // Default: the origin's effective domain.
    let Some(given) = rp_id else {
        reject_public_suffix(origin, &host)?;
        return Ok(host);
    };
    let deny = |why: &str| {
        ClientError::Security(format!(
            "the site {origin} may not use the relying party ID \"{given}\": {why}"
        ))
    };
    if given.is_empty() || given.ends_with('.') || given.contains(['/', ':', '@', ' ']) {
        return Err(deny("it is not a plain domain name"));
    }
    // Normalize: lowercase + IDNA to ASCII, through the URL host parser.
    let parsed = url::Host::parse(given).map_err(|_| deny("it is not a valid domain name"))?;
    let rp = match parsed {
        url::Host::Domain(d) => d.to_string(),
        _ => return Err(deny("IP addresses cannot be relying party IDs")),
    };
    if rp.ends_with('.') {
        return Err(deny("it is not a plain domain name"));
    }
    // host == rpId, or host ends with "." + rpId (a label boundary, not a string suffix).
    if !(host == rp || host.ends_with(&format!(".{rp}"))) {
        return Err(deny(
            "it is neither the site's own domain nor a parent of it",
        ));
    }
    reject_public_suffix(origin, &rp)?;
    Ok(rp)
}

/// A public suffix (`com`, `co.uk`, `github.io`) is shared by unrelated owners, so no one may
/// scope passkeys to it.
fn reject_public_suffix(origin: &str, rp: &str) -> Result<(), ClientError> {
    // Only known suffixes count: an unknown TLD such as `localhost` is its own implicit suffix.
    match psl::suffix(rp.as_bytes()) {
        Some(s) if s.is_known() && s.as_bytes() == rp.as_bytes() => Err(ClientError::Security(format!(
            "the site {origin} may not use the relying party ID \"{rp}\": it is a public suffix shared by many owners"
        ))),
        _ => Ok(()),
    }
}

/// The origin's serialization (HTML "ASCII serialization of an origin"): lowercase scheme and
/// host, IDNA to ASCII, default port dropped, no trailing slash. Why: a browser puts exactly this
/// in clientDataJSON, and relying parties compare it byte for byte, so `https://EXAMPLE.com:443/`
/// must become `https://example.com`. Anything that is not a pure origin (a path, query,
/// fragment, user name or password) is refused as a browser would never produce it.
pub fn serialized_origin(origin: &str) -> Result<String, ClientError> {
    origin_host(origin).map(|(_, serialized)| serialized)
}

/// Parses the origin: https (any port) or http on localhost only; no userinfo, path, query or
/// fragment; a domain host (no IP address, no trailing dot). Returns the host and the origin's
/// serialization.
fn origin_host(origin: &str) -> Result<(String, String), ClientError> {
    let bad =
        |why: &str| ClientError::Security(format!("the origin \"{origin}\" is not allowed: {why}"));
    let url = url::Url::parse(origin).map_err(|_| bad("it is not a valid URL"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("it contains a user name or password"));
    }
    if url.path() != "/" && !url.path().is_empty()
        || url.query().is_some()
        || url.fragment().is_some()
    {
        return Err(bad("an origin has no path, query or fragment"));
    }
    let host = match url.host() {
        Some(url::Host::Domain(d)) => d.to_string(),
        Some(_) => {
            return Err(bad(
                "IP-address hosts cannot hold passkeys; use a domain name",
            ))
        }
        None => return Err(bad("it has no host")),
    };
    if host.ends_with('.') || host.is_empty() {
        return Err(bad("trailing-dot host names are not accepted"));
    }
    let localhost = host == "localhost" || host.ends_with(".localhost");
    let serialized = url.origin().ascii_serialization();
    match url.scheme() {
        "https" => Ok((host, serialized)),
        "http" if localhost => Ok((host, serialized)),
        "http" => Err(bad("plain http is only allowed for localhost; use https")),
        _ => Err(bad(
            "only https origins (or http://localhost) may use passkeys",
        )),
    }
}
