# hearth web template nginx/php-fpm/no-php (HTTP): %domain%, static files only.
server {
    listen      %ip%:%web_port%;
    server_name %domain_idn% %alias_idn%;
    root        %docroot%;
    index       index.html index.htm;

    access_log  %log_dir%/%domain%.log combined;
    access_log  %log_dir%/%domain%.bytes bytes;
    error_log   %log_dir%/%domain%.error.log error;

    include %home%/%user%/conf/web/%domain%/nginx.forcessl.conf*;

    location ~ /\.(?!well-known/) {
        return 404;
    }

    # PHP is not run here, and its source is not handed out either.
    location ~ [^/]\.php(/|$) {
        return 404;
    }

    location /error/ {
        alias %home%/%user%/web/%domain%/document_errors/;
    }

    location /vstats/ {
        alias   %home%/%user%/web/%domain%/stats/;
        # The statistics password, in the root-owned conf directory: never a file of the user's web
        # directory (an include runs as nginx's configuration, with its rights).
        include %home%/%user%/conf/web/%domain%/nginx.stats_auth.conf*;
    }

    include %home%/%user%/conf/web/%domain%/nginx.conf_*;
}
