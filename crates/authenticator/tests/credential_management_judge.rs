//! authenticatorCredentialManagement judged by webauthn-authenticator-rs's own CTAP2 structures:
//! its `ClientPinRequest` / `CredentialManagementRequest` encode the raw request bytes and its
//! response types parse Latchkey's answers. Its high-level client insists on a PIN for
//! credential management (Latchkey has built-in UV, no PIN), so the PIN/UV auth protocol 2
//! platform side (ECDH, HKDF, AES-CBC, HMAC per CTAP 2.1 §6.5.7) is done here, from the spec.

use std::collections::BTreeSet;

use aes::cipher::{BlockDecryptMut, KeyIvInit};
use latchkey_authenticator::client;
use latchkey_authenticator::{
    Approval, ApprovalRequest, Authenticator, Caller, Door, Refusal, UserInteraction,
};
use latchkey_vault::{KeyStore, OsKeychain, Vault};
use webauthn_authenticator_rs::ctap2::commands::{
    CBORResponse, ClientPinRequest, ClientPinResponse, ClientPinSubCommand, CredSubCommand,
    CredentialManagementRequest, CredentialManagementRequestTrait, CredentialManagementResponse,
    GetInfoRequest, Permissions, UserCM,
};
use webauthn_authenticator_rs::ctap2::{CBORCommand, GetInfoResponse};
use webauthn_rs_core::proto::{COSEAlgorithm, COSEEC2Key, COSEKey, COSEKeyType, ECDSACurve};

struct Person;

impl UserInteraction for Person {
    fn approve(&self, request: &ApprovalRequest<'_>) -> Result<Approval, Refusal> {
        Ok(Approval {
            account: (!request.accounts.is_empty()).then_some(0),
            user_verified: true,
        })
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    vault_id: String,
    auth: Authenticator<Vault, Person>,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = OsKeychain::with_service("dev.latchkey.test").delete(&self.vault_id);
    }
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let vault = Vault::init(dir.path(), &OsKeychain::with_service("dev.latchkey.test"))
            .expect("vault (is the Secret Service running? use scripts/test.sh)");
        Fixture {
            vault_id: vault.id().to_owned(),
            auth: Authenticator::new(vault, Person),
            _dir: dir,
        }
    }

    /// Raw bytes in, raw bytes out; the judge's types on both ends.
    fn send<C: CBORCommand>(&mut self, cmd: &C) -> Result<C::Response, u8> {
        let bytes = cmd.cbor().expect("the judge encodes its request");
        let out = self
            .auth
            .handle_request(&bytes, &Caller::new(Door::Hid, None));
        match out.split_first() {
            Some((0, body)) => {
                Ok(<C::Response as CBORResponse>::try_from(body)
                    .expect("the judge parses the answer"))
            }
            Some((status, _)) => Err(*status),
            None => panic!("empty answer"),
        }
    }

    fn passkey(&mut self, rp: &str, user: &str, handle: &str) -> Vec<u8> {
        let options = serde_json::json!({
            "challenge": "AAAAAAAAAAAAAAAAAAAAAA",
            "rp": {"id": rp, "name": rp},
            "user": {"id": handle, "name": user, "displayName": user},
            "pubKeyCredParams": [{"type": "public-key", "alg": -7}],
        });
        let r = client::create(
            &mut self.auth,
            &format!("https://{rp}"),
            &options.to_string(),
            Door::Cli,
        )
        .unwrap();
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(r["id"].as_str().unwrap())
            .unwrap()
    }
}

fn hkdf32(ikm: &[u8], info: &'static [u8]) -> [u8; 32] {
    struct Len;
    impl ring::hkdf::KeyType for Len {
        fn len(&self) -> usize {
            32
        }
    }
    let prk = ring::hkdf::Salt::new(ring::hkdf::HKDF_SHA256, &[0u8; 32]).extract(ikm);
    let mut out = [0u8; 32];
    prk.expand(&[info], Len).unwrap().fill(&mut out).unwrap();
    out
}

/// The platform half of PIN/UV auth protocol 2, written from CTAP 2.1 §6.5.7.
struct Protocol2 {
    hmac_key: [u8; 32],
    aes_key: [u8; 32],
    platform_key: COSEKey,
}

impl Protocol2 {
    fn agree(authenticator_key: &COSEKey) -> Protocol2 {
        let COSEKeyType::EC_EC2(peer) = &authenticator_key.key else {
            panic!("keyAgreement is not an EC2 key: {authenticator_key:?}");
        };
        let mut sec1 = vec![4u8];
        sec1.extend_from_slice(&peer.x);
        sec1.extend_from_slice(&peer.y);
        let peer = p256::PublicKey::from_sec1_bytes(&sec1).expect("a valid P-256 point");
        let secret = p256::ecdh::EphemeralSecret::random(&mut rand_core::OsRng);
        let z = secret.diffie_hellman(&peer);
        let public = p256::EncodedPoint::from(secret.public_key());
        Protocol2 {
            hmac_key: hkdf32(z.raw_secret_bytes(), b"CTAP2 HMAC key"),
            aes_key: hkdf32(z.raw_secret_bytes(), b"CTAP2 AES key"),
            platform_key: COSEKey {
                type_: COSEAlgorithm::PinUvProtocol,
                key: COSEKeyType::EC_EC2(COSEEC2Key {
                    curve: ECDSACurve::SECP256R1,
                    x: public.x().unwrap().to_vec(),
                    y: public.y().unwrap().to_vec(),
                }),
            },
        }
    }

    fn decrypt(&self, iv_and_ct: &[u8]) -> Vec<u8> {
        let (iv, ct) = iv_and_ct.split_at(16);
        let mut buf = ct.to_vec();
        cbc::Decryptor::<aes::Aes256>::new(&self.aes_key.into(), iv.into())
            .decrypt_padded_mut::<aes::cipher::block_padding::NoPadding>(&mut buf)
            .unwrap()
            .to_vec()
    }

    #[allow(dead_code)]
    fn hmac_key(&self) -> &[u8] {
        &self.hmac_key
    }
}

fn authenticate(token: &[u8], message: &[u8]) -> Vec<u8> {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, token);
    ring::hmac::sign(&key, message).as_ref().to_vec()
}

/// getKeyAgreement then getPinUvAuthTokenUsingUvWithPermissions(cm): the built-in UV path.
fn cm_token(f: &mut Fixture) -> Vec<u8> {
    let ka: ClientPinResponse = f
        .send(&ClientPinRequest {
            pin_uv_protocol: Some(2),
            sub_command: ClientPinSubCommand::GetKeyAgreement,
            ..Default::default()
        })
        .unwrap();
    let proto = Protocol2::agree(ka.key_agreement.as_ref().expect("keyAgreement"));
    let tok: ClientPinResponse = f
        .send(&ClientPinRequest {
            pin_uv_protocol: Some(2),
            sub_command: ClientPinSubCommand::GetPinUvAuthTokenUsingUvWithPermissions,
            key_agreement: Some(proto.platform_key.clone()),
            permissions: Permissions::CREDENTIAL_MANAGEMENT,
            ..Default::default()
        })
        .unwrap();
    let token = proto.decrypt(&tok.pin_uv_auth_token.expect("pinUvAuthToken"));
    assert_eq!(token.len(), 32);
    token
}

fn cm(
    f: &mut Fixture,
    token: &[u8],
    sub: CredSubCommand,
) -> Result<CredentialManagementResponse, u8> {
    let param = authenticate(token, &sub.prf());
    f.send(&CredentialManagementRequest::new(sub, Some(2), Some(param)))
}

#[test]
fn get_info_advertises_credential_management_with_built_in_uv() {
    let mut f = Fixture::new();
    let info: GetInfoResponse = f.send(&GetInfoRequest {}).unwrap();
    assert!(info.versions.contains("FIDO_2_1"), "{:?}", info.versions);
    assert_eq!(info.get_option("credMgmt"), Some(true));
    assert_eq!(info.get_option("uv"), Some(true));
    assert_eq!(info.get_option("pinUvAuthToken"), Some(true));
    assert!(info.pin_protocols.unwrap_or_default().contains(&2));
}

#[test]
fn enumerate_update_and_delete_through_raw_ctap2() {
    let mut f = Fixture::new();
    let alice = f.passkey("example.com", "alice", "YWxpY2U");
    let bob = f.passkey("example.com", "bob", "Ym9i");
    f.passkey("example.org", "carol", "Y2Fyb2w");
    let token = cm_token(&mut f);

    let meta = cm(&mut f, &token, CredSubCommand::GetCredsMetadata).unwrap();
    assert_eq!(
        meta.storage_metadata
            .unwrap()
            .existing_resident_credentials_count,
        3
    );

    let first = cm(&mut f, &token, CredSubCommand::EnumerateRPsBegin).unwrap();
    assert_eq!(first.total_rps, Some(2));
    let mut rps = BTreeSet::new();
    rps.insert(first.rp.unwrap().id.unwrap());
    let next: CredentialManagementResponse = f
        .send(&CredentialManagementRequest::ENUMERATE_RPS_GET_NEXT)
        .unwrap();
    rps.insert(next.rp.unwrap().id.unwrap());
    assert_eq!(
        rps,
        BTreeSet::from(["example.com".to_owned(), "example.org".to_owned()])
    );

    let first = cm(
        &mut f,
        &token,
        CredSubCommand::enumerate_credentials_by_rpid("example.com"),
    )
    .unwrap();
    assert_eq!(first.total_credentials, Some(2));
    let next: CredentialManagementResponse = f
        .send(&CredentialManagementRequest::ENUMERATE_CREDENTIALS_GET_NEXT)
        .unwrap();
    let mut users = BTreeSet::new();
    for c in [
        &first.discoverable_credential,
        &next.discoverable_credential,
    ] {
        users.insert(c.user.as_ref().unwrap().name.clone().unwrap());
        assert!(c.public_key.is_some());
        assert!(c.credential_id.is_some());
    }
    assert_eq!(
        users,
        BTreeSet::from(["alice".to_owned(), "bob".to_owned()])
    );

    cm(
        &mut f,
        &token,
        CredSubCommand::UpdateUserInformation(
            alice.clone().into(),
            UserCM {
                id: b"alice".to_vec(),
                name: Some("alice@work".into()),
                display_name: Some("Alice at work".into()),
            },
        ),
    )
    .unwrap();
    let rec = f.auth.store().get(&alice).unwrap().unwrap();
    assert_eq!(rec.user_name.as_deref(), Some("alice@work"));

    // A wrong pinUvAuthParam is refused (PIN_AUTH_INVALID) and deletes nothing.
    let sub = CredSubCommand::DeleteCredential(bob.clone().into());
    let bad = f.send(&CredentialManagementRequest::new(
        sub.clone(),
        Some(2),
        Some(vec![0u8; 32]),
    ));
    assert_eq!(bad.unwrap_err(), 0x33);
    assert!(f.auth.store().get(&bob).unwrap().is_some());

    cm(&mut f, &token, sub).unwrap();
    assert!(f.auth.store().get(&bob).unwrap().is_none());
    assert_eq!(f.auth.store().list().unwrap().len(), 2);
}
