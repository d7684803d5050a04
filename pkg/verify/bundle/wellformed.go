package bundle

import (
	"fmt"
	"strings"
	"unicode"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
)

// checkRequired rejects a bundle in which a field the bundle specification
// marks REQUIRED is missing or present but empty. protojson turns `"inclusionPromise":
// {}` into a message whose signedEntryTimestamp is nil, and sigstore-go
// then treats the promise as absent instead of malformed; the same holds
// for a few other fields on the paths vouch verifies. Such a bundle was
// not produced by a conforming client: it is malformed, whatever else in
// it would verify. Field names are the JSON ones, as the user sees them.
func checkRequired(b *protobundle.Bundle) error {
	vm := b.GetVerificationMaterial()
	for i, e := range vm.GetTlogEntries() {
		at := fmt.Sprintf("verificationMaterial.tlogEntries[%d]", i)
		switch {
		case len(e.GetCanonicalizedBody()) == 0:
			return missing(at + ".canonicalizedBody")
		case len(e.GetLogId().GetKeyId()) == 0:
			return missing(at + ".logId.keyId")
		case e.GetKindVersion().GetKind() == "" || e.GetKindVersion().GetVersion() == "":
			return missing(at + ".kindVersion.kind and .version")
		case e.GetInclusionPromise() != nil && len(e.GetInclusionPromise().GetSignedEntryTimestamp()) == 0:
			return missing(at + ".inclusionPromise.signedEntryTimestamp")
		case e.GetInclusionProof() != nil && len(e.GetInclusionProof().GetRootHash()) == 0:
			return missing(at + ".inclusionProof.rootHash")
		case e.GetInclusionProof() != nil && e.GetInclusionProof().GetCheckpoint().GetEnvelope() == "":
			return missing(at + ".inclusionProof.checkpoint.envelope")
		}
	}
	for i, ts := range vm.GetTimestampVerificationData().GetRfc3161Timestamps() {
		if len(ts.GetSignedTimestamp()) == 0 {
			return missing(fmt.Sprintf("verificationMaterial.timestampVerificationData.rfc3161Timestamps[%d].signedTimestamp", i))
		}
	}
	if c := vm.GetCertificate(); c != nil && len(c.GetRawBytes()) == 0 {
		return missing("verificationMaterial.certificate.rawBytes")
	}
	for i, c := range vm.GetX509CertificateChain().GetCertificates() {
		if len(c.GetRawBytes()) == 0 {
			return missing(fmt.Sprintf("verificationMaterial.x509CertificateChain.certificates[%d].rawBytes", i))
		}
	}
	if m := b.GetMessageSignature(); m != nil && len(m.GetSignature()) == 0 {
		return missing("messageSignature.signature")
	}
	if env := b.GetDsseEnvelope(); env != nil {
		if env.GetPayloadType() == "" {
			return missing("dsseEnvelope.payloadType")
		}
		if len(env.GetSignatures()) == 0 {
			return missing("dsseEnvelope.signatures")
		}
		for i, s := range env.GetSignatures() {
			if len(s.GetSig()) == 0 {
				return missing(fmt.Sprintf("dsseEnvelope.signatures[%d].sig", i))
			}
		}
	}
	return nil
}

func missing(field string) error {
	return fmt.Errorf("%w: %s is REQUIRED by the Sigstore bundle specification but is empty", ErrMalformed, field)
}

// Escape makes text from an unverified bundle — a media type, a key hint,
// a payload type, or sigstore-go's messages that quote them — safe for a
// terminal: control and other non-printing characters become Go escapes,
// so an ANSI sequence in a hostile bundle is shown, not executed.
func Escape(s string) string {
	if strings.IndexFunc(s, notPrintable) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if notPrintable(r) {
			q := fmt.Sprintf("%+q", string(r))
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func notPrintable(r rune) bool { return !unicode.IsPrint(r) && r != ' ' }

// errText is err's message with [Escape] applied: sigstore-go embeds
// values from the bundle in its errors unquoted.
func errText(err error) string { return Escape(err.Error()) }
