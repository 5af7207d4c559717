#!/usr/bin/env bash
# Makes the cluster's PKI and kubeconfigs in $CLUSTER_DIR/pki (once; cluster-down deletes them).
# One CA signs serving and client certificates; a second CA is the aggregation layer's front proxy,
# as in hack/local-up-cluster.sh.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$K8S_DIR/scripts/cluster-env.sh"

pki="$CLUSTER_DIR/pki"
[[ -f $pki/.done ]] && exit 0
mkdir -p "$pki"
cd "$pki"
umask 077

ca() { # name cn
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.crt" -days 3650 -subj "/CN=$2" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

cert() { # name cn org ca sans(comma list, may be empty) usage
  local name=$1 cn=$2 org=$3 ca=$4 sans=$5 usage=$6 subj="/CN=$2"
  [[ -n $org ]] && subj="/O=$org/CN=$cn"
  openssl req -newkey rsa:2048 -nodes -keyout "$name.key" -out "$name.csr" -subj "$subj" 2>/dev/null
  {
    echo "basicConstraints=CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$usage"
    [[ -n $sans ]] && echo "subjectAltName=$sans"
  } >"$name.ext"
  openssl x509 -req -in "$name.csr" -CA "$ca.crt" -CAkey "$ca.key" -CAcreateserial -days 3650 \
    -extfile "$name.ext" -out "$name.crt" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
}

kubeconfig() { # file user-cert
  cat >"$1" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: headroom
  cluster:
    certificate-authority: $pki/ca.crt
    server: https://$NODE_IP:$APISERVER_PORT
users:
- name: $2
  user:
    client-certificate: $pki/$2.crt
    client-key: $pki/$2.key
contexts:
- name: headroom
  context: {cluster: headroom, user: $2}
current-context: headroom
YAML
}

log "cluster: making certificates in $pki"
ca ca headroom-ca
ca front-proxy-ca headroom-front-proxy-ca
cert apiserver kube-apiserver "" ca \
  "IP:$NODE_IP,IP:$KUBERNETES_SERVICE_IP,IP:127.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost" serverAuth
cert kubelet-serving "system:node:$NODE_NAME" system:nodes ca "IP:$NODE_IP,DNS:$NODE_NAME" serverAuth
cert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters ca "" clientAuth
cert admin kubernetes-admin system:masters ca "" clientAuth
cert controller-manager system:kube-controller-manager "" ca "" clientAuth
cert scheduler system:kube-scheduler "" ca "" clientAuth
cert kubelet "system:node:$NODE_NAME" system:nodes ca "" clientAuth
cert kube-proxy system:kube-proxy "" ca "" clientAuth
cert front-proxy-client front-proxy-client "" front-proxy-ca "" clientAuth
openssl genrsa -out sa.key 2048 2>/dev/null
openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null

for u in admin controller-manager scheduler kubelet kube-proxy; do
  kubeconfig "$u.kubeconfig" "$u"
done
cp admin.kubeconfig "$KUBECONFIG_PATH"
touch .done
