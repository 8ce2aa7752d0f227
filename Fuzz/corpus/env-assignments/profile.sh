export HUAWEICLOUD_SDK_SK=secret
OBS_SECRET_ACCESS_KEY="x"; export OBS_SECRET_ACCESS_KEY
declare -x AWS_SECRET_ACCESS_KEY='y'
setenv GITHUB_TOKEN z
export A=$(cat f) B="${C}" DB_PASSWORD=p \
  X=1 # comment
