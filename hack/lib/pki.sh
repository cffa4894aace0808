# Certificate helpers for kubemesos' local control plane (hack/cluster.sh):
# a cluster CA, the kube-apiserver serving certificate, client certificates for
# each identity, the service-account signing key pair, and kubeconfig files
# that embed them. Uses the openssl CLI only. Source it; it defines functions.
# shellcheck shell=bash

# ECDSA P-256 keys: fast to generate, accepted by every Kubernetes component.
km::pki::key() {
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
  chmod 600 "$1"
}

# km::pki::ca DIR NAME [BASENAME]: DIR/BASENAME.key, DIR/BASENAME.crt (BASENAME: ca).
km::pki::ca() {
  local dir="$1" name="$2" ca="${3:-ca}"
  km::pki::key "${dir}/${ca}.key"
  openssl req -x509 -new -key "${dir}/${ca}.key" -sha256 -days 3650 \
    -subj "/CN=${name}" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -out "${dir}/${ca}.crt" 2>/dev/null
}

# km::pki::cert DIR BASENAME SUBJECT EXTENDED_KEY_USAGE [SUBJECT_ALT_NAMES] [CA]
# signs DIR/BASENAME.{key,crt} with DIR/CA.{key,crt} (CA: ca); SUBJECT like
# "/O=group/CN=user".
km::pki::cert() {
  local dir="$1" base="$2" subj="$3" eku="$4" san="${5:-}" ca="${6:-ca}"
  km::pki::key "${dir}/${base}.key"
  local ext="${dir}/${base}.ext"
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=${eku}"
    if [[ -n "${san}" ]]; then echo "subjectAltName=${san}"; fi
  } >"${ext}"
  openssl req -new -key "${dir}/${base}.key" -subj "${subj}" 2>/dev/null |
    openssl x509 -req -CA "${dir}/${ca}.crt" -CAkey "${dir}/${ca}.key" -CAcreateserial \
      -sha256 -days 3650 -extfile "${ext}" -out "${dir}/${base}.crt" 2>/dev/null
  rm -f "${ext}"
}

# km::pki::sa_keys DIR: service-account token signing key pair sa.key/sa.pub.
km::pki::sa_keys() {
  km::pki::key "$1/sa.key"
  openssl pkey -in "$1/sa.key" -pubout -out "$1/sa.pub" 2>/dev/null
}

# km::pki::kubeconfig OUT SERVER CA CERT KEY CLUSTER USER: a self-contained
# kubeconfig (certificates embedded) for one client identity.
km::pki::kubeconfig() {
  local out="$1" server="$2" ca="$3" cert="$4" key="$5" cluster="$6" user="$7"
  local tmp="${out}.tmp"
  cat >"${tmp}" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: ${cluster}
  cluster:
    server: ${server}
    certificate-authority-data: $(base64 -w0 <"${ca}")
users:
- name: ${user}
  user:
    client-certificate-data: $(base64 -w0 <"${cert}")
    client-key-data: $(base64 -w0 <"${key}")
contexts:
- name: ${cluster}
  context:
    cluster: ${cluster}
    user: ${user}
current-context: ${cluster}
EOF
  chmod 600 "${tmp}"
  mv "${tmp}" "${out}"
}
